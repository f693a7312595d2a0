package io.twotower.jobs;

import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.tables.DeltaStore;

/** One pipeline stage: reads Delta tables from the store, writes its own. */
@FunctionalInterface
public interface Stage {

  void run(DeltaStore store, JobConfig config, DateRange dates);
}
