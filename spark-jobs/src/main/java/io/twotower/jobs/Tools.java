package io.twotower.jobs;

import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * The {@code two-tower} subcommands outside the pipeline: benchmarks and comparisons. Each is a
 * picocli {@code @Command} with options of its own, which sets up Spark itself if it needs it.
 */
public enum Tools {
  SIMULATE_SAMPLING(
      "simulate-sampling",
      "Benchmark: the paper's simulation of the streaming estimator (Figs. 4 and 5): CSV, PNG plots, table. No Spark.",
      io.twotower.jobs.bench.SimulateSamplingCommand::new),
  BENCH_SAMPLING_AGGREGATE(
      "bench-sampling-aggregate",
      "Benchmark: the aggregate estimator against a bare groupBy(item).count() on the same synthetic events.",
      io.twotower.jobs.bench.BenchSamplingAggregateCommand::new),
  BENCH_DAILY(
      "bench-daily",
      "Benchmark: day-by-day incremental training vs retraining from scratch every day on the synthetic log, next-day Recall@K and train time per day.",
      io.twotower.jobs.bench.BenchDailyCommand::new),
  BENCH_SOAK(
      "bench-soak",
      "Benchmark: consecutive daily runs (ingest, features, sampling, train day by day, export) in one JVM on a scaled synthetic log, with seconds per stage and heap and resident memory per day: no growth?",
      io.twotower.jobs.bench.BenchSoakCommand::new),
  BENCH_TRAINING(
      "bench-training",
      "Benchmark: training throughput against ND4J's sgemm rate and the same model in TensorFlow Recommenders, on the same data and cores, with Recall@10/100 and peak memory of every process.",
      io.twotower.jobs.bench.BenchTrainingCommand::new),
  COMPARE(
      "compare",
      "Benchmark: train and evaluate every combination of --vary values (x --seeds) on the current tables, with the baselines, as one Recall table.",
      io.twotower.jobs.bench.CompareModelsCommand::new),
  ;

  private final String command;
  private final String description;
  private final Supplier<Callable<Integer>> newCommand;

  Tools(String command, String description, Supplier<Callable<Integer>> newCommand) {
    this.command = command;
    this.description = description;
    this.newCommand = newCommand;
  }

  public String command() {
    return command;
  }

  public String description() {
    return description;
  }

  /** A fresh command object for picocli to fill with the tool's options. */
  public Callable<Integer> newCommand() {
    return newCommand.get();
  }
}
