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
  PIPELINE(
      "pipeline",
      "Run every stage in order: ingest, features, sampling, train, evaluate, export.",
      PipelineJob::run),
  EVALUATE(
      "evaluate",
      "Full-corpus Recall@K of the latest model on the held-out examples, next to a popularity baseline.",
      io.twotower.jobs.evaluate.EvaluateJob::run),
  EXPORT(
      "export",
      "Write the latest model's item embeddings and every user's top-K unseen items.",
      io.twotower.jobs.export.ExportJob::run),
  ;

  private final String command;
  private final String description;
  private final Stage stage;

  Stages(String command, String description, Stage stage) {
    this.command = command;
    this.description = description;
    this.stage = stage;
  }

  /** The stages {@code pipeline} runs, in order: all but generate and pipeline itself. */
  public static java.util.List<Stages> pipelineOrder() {
    return java.util.Arrays.stream(values())
        .filter(s -> !s.command.equals("generate") && !s.command.equals("pipeline"))
        .toList();
  }

  public String command() {
    return command;
  }

  public String description() {
    return description;
  }

  public Stage stage() {
    return stage;
  }
}
