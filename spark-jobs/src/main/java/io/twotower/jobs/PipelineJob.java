package io.twotower.jobs;

import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.tables.DeltaStore;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code pipeline}: every stage in order (ingest, features, sampling, train, evaluate, export) in
 * one Spark session, with the wall time of each, reported as they finish and printed as a table at
 * the end.
 */
public final class PipelineJob {

  private PipelineJob() {}

  public static void run(DeltaStore store, JobConfig config, DateRange dates) {
    ProgressReporter progress = ProgressReporter.console();
    List<String> timings = new ArrayList<>();
    long pipelineStart = System.nanoTime();
    List<Stages> stages = Stages.pipelineOrder();
    for (int i = 0; i < stages.size(); i++) {
      Stages stage = stages.get(i);
      progress.started(stage.command(), i + 1, stages.size());
      double seconds = progress.timed(stage.command(), () -> stage.run(store, config, dates));
      timings.add(String.format("%-10s %8.1f", stage.command(), seconds));
    }
    // The table is the command's output, not progress: plain stdout.
    System.out.printf("%nstage      wall (s)%n");
    timings.forEach(System.out::println);
    System.out.printf("%-10s %8.1f%n", "total", (System.nanoTime() - pipelineStart) / 1e9);
  }
}
