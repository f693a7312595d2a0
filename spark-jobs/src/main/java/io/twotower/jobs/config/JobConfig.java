package io.twotower.jobs.config;

import com.typesafe.config.Config;
import io.twotower.jobs.storage.DataLocation;
import java.util.List;

/**
 * The whole validated configuration of the pipeline, one typed record per stage. Built once at
 * start-up, so a bad value fails before any Spark work with the key, the value and what is allowed.
 */
public record JobConfig(
    DataLocation dataDir,
    SparkConfig spark,
    SourceConfig source,
    IngestConfig ingest,
    SyntheticConfig synthetic,
    FeaturesConfig features,
    SamplingConfig sampling,
    TrainConfig train,
    EvaluateConfig evaluate,
    int exportTopK,
    Config raw) {

  public static JobConfig from(Config config) {
    Settings s = new Settings(config, ConfigLoader.ROOT);
    return new JobConfig(
        DataLocation.of(s.string("data-dir")),
        SparkConfig.from(s.child("spark")),
        SourceConfig.from(s.child("source")),
        IngestConfig.from(s.child("ingest")),
        SyntheticConfig.from(s.child("synthetic")),
        FeaturesConfig.from(s.child("features")),
        SamplingConfig.from(s.child("sampling")),
        TrainConfig.from(s.child("train")),
        EvaluateConfig.from(s.child("evaluate")),
        s.child("export").positiveInt("top-k"),
        config);
  }

  /** The Recall@K cut-offs, {@code evaluate.ks}. */
  public List<Integer> evaluateKs() {
    return evaluate.ks();
  }
}
