package io.twotower.jobs.bench;

import io.twotower.jobs.ConfigOptions;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.ProgressReporter;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.evaluate.EvaluateJob;
import io.twotower.jobs.evaluate.RecallAtK.Recall;
import io.twotower.jobs.sampling.SamplingJob;
import io.twotower.jobs.spark.SparkSessions;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.train.TrainJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code compare}: which training configuration retrieves best? On the tables the earlier stages
 * wrote (features, and sampling unless a sampling key varies), trains and evaluates every
 * combination of the {@code --vary} values, each {@code --seeds} times with train.seed = base seed
 * + 0, 1, ..., and scores every model and every baseline of {@code evaluate.baselines} on the same
 * held-out events in one Spark session. Prints Recall@K per combination (mean, and the standard
 * deviation over seeds when there are several) and writes {@code runs.csv} (one row per baseline,
 * written before the first training, then one per trained model as it finishes) and {@code
 * summary.csv} to --out.
 *
 * <p>Models go to the model store like any trained model (LATEST moves); rows are not appended to
 * the evaluations table. When a sampling key varies, item_sampling_probability is rewritten for
 * each combination and once more with the config as given at the end.
 */
@Command(mixinStandardHelpOptions = true, sortOptions = false)
public final class CompareModelsCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(CompareModelsCommand.class);

  @Mixin ConfigOptions configOptions = new ConfigOptions();

  @Option(
      names = "--vary",
      paramLabel = "KEY=V1,V2,...",
      description =
          "A config key and the values to try, e.g. --vary train.temperature=0.05,0.1 (repeatable;"
              + " every combination runs).")
  Map<String, String> vary = new LinkedHashMap<>();

  @Option(
      names = "--seeds",
      paramLabel = "N",
      description = "Trainings per combination, with seeds train.seed + 0..N-1 (default: 1).")
  int seeds = 1;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Output folder (default: <data-dir>/bench/compare).")
  Path out;

  @Override
  public Integer call() throws IOException {
    List<Map<String, String>> combinations = checkedCombinations();
    JobConfig base = configOptions.load();
    SparkSession spark = SparkSessions.create(base.spark());
    try {
      run(new DeltaStore(spark, base.dataDir()), base, combinations);
    } finally {
      spark.stop();
    }
    return 0;
  }

  /**
   * The comparison on an open store, whose Spark session the caller owns.
   *
   * @return the folder runs.csv and summary.csv were written to
   */
  public Path compareOn(DeltaStore store) throws IOException {
    return run(store, configOptions.load(), checkedCombinations());
  }

  /** The --vary combinations, after checking the options (before any Spark work). */
  private List<Map<String, String>> checkedCombinations() {
    if (seeds < 1) {
      throw JobErrors.invalidSeeds(seeds);
    }
    return combinations(vary);
  }

  private Path run(DeltaStore store, JobConfig base, List<Map<String, String>> combinations)
      throws IOException {
    Path folder = out != null ? out : base.dataDir().resolve("bench").resolve("compare");
    Files.createDirectories(folder);
    List<Integer> ks = base.evaluateKs();
    Dataset<Row> heldOut = EvaluateJob.heldOutQueries(store, base, DateRange.ALL);
    StringBuilder runs =
        new StringBuilder(
            "combination,seed,model_id,train_seconds,final_loss,"
                + ks.stream().map(k -> "recall_at_" + k).collect(Collectors.joining(","))
                + "\n");
    Map<String, List<List<Double>>> byCombination = new LinkedHashMap<>();
    try {
      Map<String, Recall> baselines = EvaluateJob.baselineRecalls(store, base, heldOut);
      // Written before any training, so a run stopped early keeps them.
      baselines.forEach(
          (method, recall) -> {
            runs.append(csvRow(method, "", method, Double.NaN, Double.NaN, recall));
            LOG.info("baseline {}: {}", method, recall);
          });
      Files.writeString(folder.resolve("runs.csv"), runs);
      boolean samplingVaries = vary.keySet().stream().anyMatch(k -> k.startsWith("sampling."));
      int total = combinations.size() * seeds;
      int done = 0;
      for (Map<String, String> combination : combinations) {
        String name = name(combination);
        for (int s = 0; s < seeds; s++) {
          Map<String, String> settings = new LinkedHashMap<>(combination);
          settings.put("train.seed", Long.toString(base.train().seed() + s));
          JobConfig config = configOptions.load(settings);
          ProgressReporter.console()
              .started(name + ", seed " + settings.get("train.seed"), ++done, total);
          if (samplingVaries) {
            SamplingJob.run(store, config, DateRange.ALL);
          }
          TrainJob.Result trained = TrainJob.train(store, config, DateRange.ALL);
          Recall recall = EvaluateJob.twoTowerRecall(store, trained.model(), heldOut, ks);
          byCombination.computeIfAbsent(name, n -> new ArrayList<>()).add(recall.recall());
          runs.append(
              csvRow(
                  name,
                  settings.get("train.seed"),
                  trained.modelId(),
                  trained.seconds(),
                  trained.finalLoss(),
                  recall));
          Files.writeString(folder.resolve("runs.csv"), runs);
          LOG.info("{}, seed {}: {}", name, settings.get("train.seed"), recall);
        }
      }
      if (samplingVaries) {
        LOG.info("sampling again with the config as given, as later stages expect");
        SamplingJob.run(store, base, DateRange.ALL);
      }
      baselines.forEach((method, recall) -> byCombination.put(method, List.of(recall.recall())));
      ComparisonTable table =
          new ComparisonTable(base.features().splitName(), heldOut.count(), ks, byCombination);
      System.out.print(table.text());
      Files.writeString(folder.resolve("summary.csv"), table.csv());
      LOG.info("wrote {}", folder.toAbsolutePath());
      return folder;
    } finally {
      heldOut.unpersist();
    }
  }

  /** One runs.csv row; a baseline has no seed, its method as model id, and NaN training cells. */
  private static String csvRow(
      String combination,
      String seed,
      String modelId,
      double trainSeconds,
      double finalLoss,
      Recall recall) {
    return String.format(
        Locale.ROOT,
        "\"%s\",%s,%s,%.1f,%.5f,%s%n",
        combination,
        seed,
        modelId,
        trainSeconds,
        finalLoss,
        recall.recall().stream()
            .map(r -> String.format(Locale.ROOT, "%.5f", r))
            .collect(Collectors.joining(",")));
  }

  /** Every combination of the varied values, the first key varying slowest. */
  static List<Map<String, String>> combinations(Map<String, String> vary) {
    List<Map<String, String>> combinations = new ArrayList<>();
    combinations.add(new LinkedHashMap<>());
    for (Map.Entry<String, String> key : vary.entrySet()) {
      List<Map<String, String>> extended = new ArrayList<>();
      for (Map<String, String> partial : combinations) {
        for (String value : key.getValue().split(",")) {
          if (value.isBlank()) {
            throw JobErrors.emptyVaryValue(key.getKey(), key.getValue());
          }
          Map<String, String> next = new LinkedHashMap<>(partial);
          next.put(key.getKey(), value.trim());
          extended.add(next);
        }
      }
      combinations = extended;
    }
    return combinations;
  }

  private static String name(Map<String, String> combination) {
    return combination.isEmpty()
        ? "config as given"
        : combination.entrySet().stream()
            .map(e -> e.getKey().replaceFirst("^train\\.", "") + "=" + e.getValue())
            .collect(Collectors.joining(" "));
  }
}
