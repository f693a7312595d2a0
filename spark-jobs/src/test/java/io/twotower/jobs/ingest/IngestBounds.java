package io.twotower.jobs.ingest;

import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.IngestConfig;
import io.twotower.jobs.config.JobConfig;
import java.time.Instant;
import java.util.Map;

/** Ingest bounds for tests: reference.conf's, or the same without the bad-row share limit. */
final class IngestBounds {

  /** reference.conf's {@code ingest} block. */
  static final IngestConfig DEFAULTS = JobConfig.from(ConfigLoader.load(null, Map.of())).ingest();

  /** The defaults, but a run never fails on its share of bad rows: for logs bad on purpose. */
  static final IngestConfig ANY_SHARE_BAD =
      new IngestConfig(
          DEFAULTS.futureTolerance(),
          DEFAULTS.earliestTimestamp(),
          DEFAULTS.maxIdLength(),
          1.0,
          DEFAULTS.maxEventsPerUserDay());

  /** A fixed "now" for validations whose future bound must not move with the clock. */
  static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

  private IngestBounds() {}
}
