package io.twotower.jobs;

/** The subcommands of {@link TwoTowerCli}, in pipeline order. */
public enum Stages {
  GENERATE(
      "generate",
      "Write the synthetic log as Parquet in the generic source's layout under <data-dir>/raw/synthetic.",
      io.twotower.jobs.ingest.GenerateJob::run),
  INGEST(
      "ingest",
      "Read the source (synthetic, MovieLens or generic), validate it, write events and items; quarantine bad rows.",
      io.twotower.jobs.ingest.IngestJob::run),
  FEATURES(
      "features",
      "Build training examples (history bag of words, item features, reward), the held-out split and the vocabularies.",
      io.twotower.jobs.features.FeaturesJob::run),
  SAMPLING(
      "sampling",
      "Estimate item sampling probabilities p_j (for the logQ correction) over the training window.",
      io.twotower.jobs.sampling.SamplingJob::run),
  TRAIN(
      "train",
      "Train the two towers (in-batch softmax, logQ correction) with parameter averaging on Spark.",
      io.twotower.jobs.train.TrainJob::run),
  EVALUATE(
      "evaluate",
      "Full-corpus Recall@K of the latest model on the held-out examples, next to a popularity baseline.",
      io.twotower.jobs.evaluate.EvaluateJob::run),
  EXPORT(
      "export",
      "Write the latest model's item embeddings and every user's top-K unseen items.",
      io.twotower.jobs.export.ExportJob::run),
  SIMULATE_SAMPLING(
      "simulate-sampling",
      "Benchmark: the paper's simulation of the streaming estimator (Figs. 4 and 5): CSV, PNG plots, table. No Spark.",
      io.twotower.jobs.bench.SimulateSamplingCommand::new),
  BENCH_SAMPLING_AGGREGATE(
      "bench-sampling-aggregate",
      "Benchmark: the aggregate estimator against a bare groupBy(item).count() on the same synthetic events.",
      io.twotower.jobs.bench.BenchSamplingAggregateCommand::new),
  COMPARE(
      "compare",
      "Benchmark: train and evaluate every combination of --vary values (x --seeds) on the current tables, with the baselines, as one Recall table.",
      io.twotower.jobs.bench.CompareModelsCommand::new),
  PIPELINE(
      "pipeline",
      "Run every stage in order: ingest, features, sampling, train, evaluate, export.",
      PipelineJob::run),
  ;

  private final String command;
  private final String description;
  private final Stage stage;
  private final java.util.function.Supplier<java.util.concurrent.Callable<Integer>> standalone;

  Stages(String command, String description, Stage stage) {
    this.command = command;
    this.description = description;
    this.stage = stage;
    this.standalone = null;
  }

  /**
   * A subcommand outside the pipeline with its own options (a picocli {@code @Command} built by
   * {@code standalone}), which sets up Spark itself if it needs it; benchmarks are such commands.
   */
  Stages(
      String command,
      String description,
      java.util.function.Supplier<java.util.concurrent.Callable<Integer>> standalone) {
    this.command = command;
    this.description = description;
    this.stage = null;
    this.standalone = standalone;
  }

  /**
   * The stages {@code pipeline} runs, in order: all but generate, standalone commands and itself.
   */
  public static java.util.List<Stages> pipelineOrder() {
    return java.util.Arrays.stream(values())
        .filter(s -> s.stage != null)
        .filter(s -> !s.command.equals("generate") && !s.command.equals("pipeline"))
        .toList();
  }

  /** The command object of a standalone subcommand, empty for a pipeline stage. */
  public java.util.Optional<java.util.concurrent.Callable<Integer>> standaloneCommand() {
    return java.util.Optional.ofNullable(standalone).map(java.util.function.Supplier::get);
  }

  public String command() {
    return command;
  }

  public String description() {
    return description;
  }

  /** The stage's work; fails for a standalone subcommand, which has no Stage. */
  public Stage stage() {
    if (stage == null) {
      throw new IllegalStateException(command + " is a standalone command, not a pipeline stage");
    }
    return stage;
  }
}
