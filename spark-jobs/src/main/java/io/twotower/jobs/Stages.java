package io.twotower.jobs;

import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.tables.DeltaStore;
import java.util.List;

/**
 * The pipeline's stages, each a {@code two-tower} subcommand with the options every stage takes
 * (config, --date, --from/--to) and a {@link Stage} that does the work in the session the CLI
 * builds. {@code generate} writes the synthetic source and runs on its own; {@code pipeline} runs
 * {@link #pipelineOrder()}. Benchmarks and other commands with options of their own are {@link
 * Tools}.
 */
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
  PIPELINE(
      "pipeline",
      "Run every stage in order: ingest, features, sampling, train, evaluate, export.",
      PipelineJob::run),
  ;

  // Enum constants are initialised before static fields, so they can be listed here.
  private static final List<Stages> PIPELINE_ORDER =
      List.of(INGEST, FEATURES, SAMPLING, TRAIN, EVALUATE, EXPORT);

  private final String command;
  private final String description;
  private final Stage stage;

  Stages(String command, String description, Stage stage) {
    this.command = command;
    this.description = description;
    this.stage = stage;
  }

  /** The stages {@code pipeline} runs, in this order. */
  public static List<Stages> pipelineOrder() {
    return PIPELINE_ORDER;
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

  /**
   * Runs the stage as one tagged run, again when a run for other dates committed one of its tables
   * meanwhile ({@link StageAttempts}); {@code pipeline} does so for each of its stages.
   */
  public void run(DeltaStore store, JobConfig config, DateRange dates) {
    if (this == PIPELINE || this == GENERATE) {
      stage.run(store, config, dates);
    } else {
      StageAttempts.run(command, stage, store, config, dates);
    }
  }
}
