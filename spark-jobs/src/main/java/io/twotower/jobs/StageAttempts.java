package io.twotower.jobs;

import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.OtherDatesCommitted;
import io.twotower.jobs.tables.RunTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a stage as one tagged run ({@link DeltaStore#forRun}), and again when a run of another date
 * committed one of its tables while it ran. Stages rewrite some tables whole (features:
 * vocabularies, item_features; sampling: item_sampling_probability), so two days' runs at once
 * conflict whatever their dates. The vocabularies only grow and each day's rows have their own
 * partition, so running the refused stage again on the other run's result gives what running the
 * two one after the other gives: both succeed. Two runs for overlapping dates still fail clearly.
 */
public final class StageAttempts {

  private static final Logger LOG = LoggerFactory.getLogger(StageAttempts.class);

  /** Runs for other dates rarely commit the same table more than once or twice in one run. */
  static final int MAX_ATTEMPTS = 4;

  private StageAttempts() {}

  public static void run(
      String command, Stage stage, DeltaStore store, JobConfig config, DateRange dates) {
    for (int attempt = 1; ; attempt++) {
      try {
        stage.run(store.forRun(RunTag.start(command, dates)), config, dates);
        return;
      } catch (OtherDatesCommitted e) {
        if (attempt == MAX_ATTEMPTS) {
          throw JobErrors.otherDatesKeptCommitting(command, dates, MAX_ATTEMPTS, e);
        }
        LOG.warn(
            "{} ({}): {}; running the stage again on their result (attempt {} of {})",
            command,
            dates,
            e.getMessage(),
            attempt + 1,
            MAX_ATTEMPTS);
      }
    }
  }
}
