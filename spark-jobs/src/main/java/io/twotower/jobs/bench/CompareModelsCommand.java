package io.twotower.jobs.bench;

import io.twotower.jobs.ConfigOptions;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.ProgressReporter;
import io.twotower.jobs.bench.ModelSelection.Validated;
import io.twotower.jobs.config.EvaluateConfig.Baseline;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.evaluate.EvaluateJob;
import io.twotower.jobs.evaluate.RecallAtK.Recall;
import io.twotower.jobs.evaluate.ValidationSplit;
import io.twotower.jobs.sampling.SamplingJob;
import io.twotower.jobs.spark.SparkSessions;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.jobs.train.TrainJob;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code compare}: which training configuration retrieves best, chosen without looking at the test
 * events. On the tables the earlier stages wrote:
 *
 * <ol>
 *   <li>Validation: the training split is split again as ALS's tuning splits it ({@link
 *       ValidationSplit}) into a store of its own under --out (training_examples without the test
 *       events, its vocabularies, item features and sampling probabilities). Every combination of
 *       the {@code --vary} values, each {@code --seeds} times with train.seed = base seed + 0, 1,
 *       ..., trains there and is scored on the validation events after every epoch; it stops when
 *       mean Recall@K over evaluate.ks has not improved for --patience epochs (train.epochs is the
 *       most), and its score is that of its best epoch.
 *   <li>Selection: the combination with the highest mean Recall@K over evaluate.ks (averaged over
 *       seeds), as ALS's grid is chosen; with --select-per KEY, the best one per value of KEY. Its
 *       epochs are its best epoch count (the median over seeds).
 *   <li>Test: only then are the test events read. Each selected combination is retrained on the
 *       whole training split with its epochs and scored on the test events next to the baselines of
 *       {@code evaluate.baselines} (ALS tuned on the validation split, as in evaluate).
 * </ol>
 *
 * <p>Writes to --out: {@code runs.csv} (every run: each validation run at its best epoch, each test
 * run, each baseline), {@code epochs.csv} (validation Recall@K after every epoch), {@code
 * summary.csv} (validation Recall of every combination, test Recall of the selected ones and the
 * baselines), and {@code selected.conf} (the overall best; with --select-per also one {@code
 * selected-KEY-VALUE.conf} per value), each including the --config file and setting compare's --set
 * values, the selected combination and its train.epochs, for {@code two-tower pipeline --config
 * FILE}.
 *
 * <p>The retrained models go to the model store like any trained model (LATEST moves); the
 * validation models stay in the validation store. Rows are not appended to the evaluations table.
 * When a sampling key varies, item_sampling_probability is rewritten for each run and once more
 * with the config as given at the end.
 */
@Command(mixinStandardHelpOptions = true, sortOptions = false)
public final class CompareModelsCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(CompareModelsCommand.class);
  private static final String VALIDATION = "validation";
  private static final String TEST = "test";

  @Mixin ConfigOptions configOptions = new ConfigOptions();

  @Option(
      names = "--vary",
      paramLabel = "KEY=V1,V2,...",
      description =
          "A config key and the values to try, e.g. --vary train.temperature=0.05,0.1 (repeatable;"
              + " every combination runs on the validation split).")
  Map<String, String> vary = new LinkedHashMap<>();

  @Option(
      names = "--select-per",
      paramLabel = "KEY",
      description =
          "One of the --vary keys: select the validation-best combination for each of its values"
              + " (each then scored on the test events and written as selected-KEY-VALUE.conf),"
              + " e.g. --select-per train.correction. Default: only the overall best.")
  String selectPer;

  @Option(
      names = "--patience",
      paramLabel = "N",
      description =
          "Stop a validation run when its validation Recall has not improved for N epochs"
              + " (default: 2; train.epochs is the most).")
  int patience = 2;

  @Option(
      names = "--seeds",
      paramLabel = "N",
      description = "Trainings per combination, with seeds train.seed + 0..N-1 (default: 1).")
  int seeds = 1;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "Output folder, also holding the validation store: a path or a URI such as s3a://b/c"
              + " (default: <data-dir>/bench/compare).")
  String out;

  @Override
  public Integer call() throws IOException {
    List<Map<String, String>> combinations = checkedCombinations();
    JobConfig base = configOptions.load();
    SparkSessions.withStore(base, store -> run(store, base, combinations));
    return 0;
  }

  /**
   * The comparison on an open store, whose Spark session the caller owns.
   *
   * @return the folder the csv and conf files were written to
   */
  public DataLocation compareOn(DeltaStore store) throws IOException {
    List<Map<String, String>> combinations = checkedCombinations();
    return run(store, configOptions.load(), combinations);
  }

  /** The --vary combinations, after checking the options (before any Spark work). */
  private List<Map<String, String>> checkedCombinations() {
    if (seeds < 1) {
      throw JobErrors.invalidSeeds(seeds);
    }
    if (patience < 1) {
      throw JobErrors.invalidPatience(patience);
    }
    if (selectPer != null && !vary.containsKey(selectPer)) {
      throw JobErrors.selectPerNotVaried(selectPer, vary.keySet());
    }
    return combinations(vary);
  }

  private DataLocation run(DeltaStore store, JobConfig base, List<Map<String, String>> combinations)
      throws IOException {
    DataLocation folder =
        out != null ? DataLocation.of(out) : base.dataDir().resolve("bench").resolve("compare");
    HadoopFiles files = store.files();
    List<Integer> ks = base.evaluateKs();
    boolean samplingVaries = vary.keySet().stream().anyMatch(k -> k.startsWith("sampling."));
    RunLog log = new RunLog(files, folder, ks);

    DeltaStore validationStore =
        validationStore(store, base, folder.resolve("validation-store"), !samplingVaries);
    Validation validation = validate(validationStore, base, combinations, ks, log, samplingVaries);
    List<Validated> validated = validation.validated();
    Map<String, List<List<Double>>> validationTable = validation.table();
    long validationEvents = validation.events();

    Map<String, Validated> winners = ModelSelection.best(validated, selectPer);
    writeSelectedConfigs(files, folder, base, winners, ModelSelection.best(validated));

    // Only now, with the settings fixed, are the test events read.
    Dataset<Row> heldOut = EvaluateJob.heldOutQueries(store, base, DateRange.ALL);
    Map<String, List<List<Double>>> testTable = new LinkedHashMap<>();
    int testRuns = ModelSelection.distinct(winners).size() * seeds;
    int tested = 0;
    try {
      for (Validated winner : ModelSelection.distinct(winners)) {
        String label = winner.name() + " epochs=" + winner.epochs();
        for (int s = 0; s < seeds; s++) {
          Map<String, String> settings = withSeed(selectedSettings(winner), base, s);
          JobConfig config = configOptions.load(settings);
          ProgressReporter.console()
              .started(
                  "test: selected " + label + ", seed " + settings.get("train.seed"),
                  ++tested,
                  testRuns);
          if (samplingVaries) {
            SamplingJob.run(store, config, DateRange.ALL);
          }
          TrainJob.Result trained = TrainJob.train(store, config, DateRange.ALL);
          Recall recall = EvaluateJob.twoTowerRecall(store, trained.model(), heldOut, ks);
          testTable.computeIfAbsent(label, n -> new ArrayList<>()).add(recall.recall());
          log.run(
              TEST,
              winner.name(),
              settings.get("train.seed"),
              trained.modelId(),
              trained.seconds(),
              trained.finalLoss(),
              recall.recall(),
              winner.epochs(),
              winner.epochs());
          LOG.info("test {}, seed {}: {}", label, settings.get("train.seed"), recall);
        }
      }
      if (samplingVaries) {
        LOG.info("sampling again with the config as given, as later stages expect");
        SamplingJob.run(store, base, DateRange.ALL);
      }
      Map<String, Recall> baselines = EvaluateJob.baselineRecalls(store, base, heldOut);
      baselines.forEach(
          (method, recall) -> {
            log.run(TEST, method, "", method, Double.NaN, Double.NaN, recall.recall(), 0, 0);
            testTable.put(method, List.of(recall.recall()));
            LOG.info("baseline {}: {}", method, recall);
          });
      String split = base.features().splitName();
      ComparisonTable validationResults =
          new ComparisonTable(split, VALIDATION, validationEvents, ks, validationTable);
      ComparisonTable testResults =
          new ComparisonTable(split, TEST, heldOut.count(), ks, testTable);
      System.out.print(validationResults.text());
      winners.forEach(
          (group, winner) ->
              System.out.printf(
                  Locale.ROOT,
                  "selected%s: %s, %d epochs (validation mean Recall@K %.4f)%n",
                  group.isEmpty() ? "" : " for " + selectPer + "=" + group,
                  winner.name(),
                  winner.epochs(),
                  winner.score()));
      System.out.print(testResults.text());
      files.writeString(
          folder.resolve("summary.csv"), validationResults.csv() + testResults.csvRows());
      LOG.info("wrote {}", folder);
      return folder;
    } finally {
      heldOut.unpersist();
    }
  }

  /**
   * Validation Recall of every combination (each seed), the popularity baseline's for reference.
   */
  private record Validation(
      List<Validated> validated, Map<String, List<List<Double>>> table, long events) {}

  /**
   * Trains every combination on {@code validationStore}'s training rows and scores it on its
   * validation events after each epoch, stopping early; the test events are not read here.
   */
  private Validation validate(
      DeltaStore validationStore,
      JobConfig base,
      List<Map<String, String>> combinations,
      List<Integer> ks,
      RunLog log,
      boolean samplingVaries) {
    Dataset<Row> validation = EvaluateJob.heldOutQueries(validationStore, base, DateRange.ALL);
    long validationEvents = validation.count();
    List<Validated> validated = new ArrayList<>();
    Map<String, List<List<Double>>> validationTable = new LinkedHashMap<>();
    try {
      int total = combinations.size() * seeds;
      int done = 0;
      for (Map<String, String> combination : combinations) {
        String name = name(combination);
        List<List<Double>> recalls = new ArrayList<>();
        List<Integer> bestEpochs = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
          Map<String, String> settings = withSeed(combination, base, s);
          JobConfig config = configOptions.load(settings);
          ProgressReporter.console()
              .started(
                  "validation: " + name + ", seed " + settings.get("train.seed"), ++done, total);
          if (samplingVaries) {
            SamplingJob.run(validationStore, config, DateRange.ALL);
          }
          EarlyStopping stopping = new EarlyStopping(patience);
          List<List<Double>> perEpoch = new ArrayList<>();
          TrainJob.Result trained =
              TrainJob.train(
                  validationStore,
                  config,
                  DateRange.ALL,
                  (epoch, model) -> {
                    Recall recall =
                        EvaluateJob.twoTowerRecall(validationStore, model, validation, ks);
                    perEpoch.add(recall.recall());
                    log.epoch(name, settings.get("train.seed"), epoch + 1, recall);
                    boolean more = stopping.keepTraining(epoch, recall.meanOverKs());
                    LOG.info(
                        String.format(
                            Locale.ROOT,
                            "%s, epoch %d: validation %s (mean %.4f; best epoch %d)%s",
                            name,
                            epoch + 1,
                            recall.recall(),
                            recall.meanOverKs(),
                            stopping.bestEpochs(),
                            more ? "" : ", stopping"));
                    return more;
                  });
          List<Double> atBest = perEpoch.get(stopping.bestEpochs() - 1);
          recalls.add(atBest);
          bestEpochs.add(stopping.bestEpochs());
          log.run(
              VALIDATION,
              name,
              settings.get("train.seed"),
              trained.modelId(),
              trained.seconds(),
              trained.finalLoss(),
              atBest,
              stopping.bestEpochs(),
              perEpoch.size());
        }
        validated.add(new Validated(name, combination, recalls, bestEpochs));
        validationTable.put(name, recalls);
      }
      if (base.evaluate().baselines().contains(Baseline.POPULARITY)) {
        // For reference: a model that does not beat it on validation learned little.
        JobConfig popularityOnly = configOptions.load(Map.of("evaluate.baselines", "[popularity]"));
        EvaluateJob.baselineRecalls(validationStore, popularityOnly, validation)
            .forEach((method, recall) -> validationTable.put(method, List.of(recall.recall())));
      }
    } finally {
      validation.unpersist();
    }
    return new Validation(validated, validationTable, validationEvents);
  }

  /**
   * A store of its own holding the validation split of {@code store}'s training split as its
   * training_examples (split = test marking the validation events; the test events left out), the
   * vocabularies and item features as they are, and, when {@code sample}, item sampling
   * probabilities estimated on its remaining training events as {@code config} says.
   */
  static DeltaStore validationStore(
      DeltaStore store, JobConfig config, DataLocation dir, boolean sample) {
    DeltaStore validation = new DeltaStore(store.spark(), dir);
    LOG.info("writing the validation split to {}", dir);
    validation.overwrite(
        Table.TRAINING_EXAMPLES,
        ValidationSplit.carve(store.read(Table.TRAINING_EXAMPLES), config.features()));
    validation.overwrite(Table.VOCABULARIES, store.read(Table.VOCABULARIES));
    validation.overwrite(Table.ITEM_FEATURES, store.read(Table.ITEM_FEATURES));
    if (sample) {
      SamplingJob.run(validation, config, DateRange.ALL);
    }
    return validation;
  }

  /** The selected combination with train.epochs set to its best epoch count. */
  private static Map<String, String> selectedSettings(Validated winner) {
    Map<String, String> settings = new LinkedHashMap<>(winner.combination());
    settings.put("train.epochs", Integer.toString(winner.epochs()));
    return settings;
  }

  private static Map<String, String> withSeed(
      Map<String, String> combination, JobConfig base, int s) {
    Map<String, String> settings = new LinkedHashMap<>(combination);
    settings.put("train.seed", Long.toString(base.train().seed() + s));
    return settings;
  }

  private void writeSelectedConfigs(
      HadoopFiles storage,
      DataLocation folder,
      JobConfig base,
      Map<String, Validated> winners,
      Validated overall)
      throws IOException {
    Map<DataLocation, Validated> files = new LinkedHashMap<>();
    files.put(folder.resolve("selected.conf"), overall);
    if (selectPer != null) {
      String key = selectPer.replaceFirst("^train\\.", "");
      winners.forEach(
          (value, winner) ->
              files.put(
                  folder.resolve(
                      "selected-" + key + "-" + value.replaceAll("[^A-Za-z0-9._-]", "_") + ".conf"),
                  winner));
    }
    for (Map.Entry<DataLocation, Validated> file : files.entrySet()) {
      Validated winner = file.getValue();
      Map<String, String> settings = new LinkedHashMap<>(configOptions.commandLine());
      settings.put("data-dir", base.dataDir().toString());
      settings.putAll(selectedSettings(winner));
      String comment =
          String.format(
              Locale.ROOT,
              "Selected by `two-tower compare` at %s on the %s validation split (%s): %s,"
                  + " %d epochs by early stopping (patience %d), mean Recall@K over %s %.4f on"
                  + " validation.%nUse: two-tower pipeline --config %s",
              Instant.now(),
              base.features().splitName(),
              selectPer == null ? "overall best" : "best per " + selectPer,
              winner.name(),
              winner.epochs(),
              patience,
              base.evaluateKs(),
              winner.score(),
              file.getKey());
      storage.writeString(
          file.getKey(), SelectedConfig.render(configOptions.configFile(), settings, comment));
      LOG.info("wrote {}", file.getKey());
    }
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

  /**
   * runs.csv and epochs.csv, rewritten after every row so that a stopped run keeps what it
   * measured.
   */
  private static final class RunLog {
    private final HadoopFiles files;
    private final DataLocation folder;
    private final StringBuilder runs;
    private final StringBuilder epochs;

    RunLog(HadoopFiles files, DataLocation folder, List<Integer> ks) throws IOException {
      this.files = files;
      this.folder = folder;
      String recalls = ks.stream().map(k -> "recall_at_" + k).collect(Collectors.joining(","));
      runs =
          new StringBuilder(
              "combination,seed,model_id,train_seconds,final_loss,"
                  + recalls
                  + ",events,epochs,epochs_trained\n");
      epochs = new StringBuilder("combination,seed,epoch," + recalls + "\n");
      files.writeString(folder.resolve("runs.csv"), runs.toString());
      files.writeString(folder.resolve("epochs.csv"), epochs.toString());
    }

    /**
     * One run: a baseline has no seed, its method as model id, NaN training cells and 0 epochs;
     * {@code epochs} is the epoch count the recall belongs to.
     */
    void run(
        String events,
        String combination,
        String seed,
        String modelId,
        double trainSeconds,
        double finalLoss,
        List<Double> recall,
        int epochs,
        int epochsTrained) {
      runs.append(
          String.format(
              Locale.ROOT,
              "\"%s\",%s,%s,%.1f,%.5f,%s,%s,%d,%d%n",
              combination,
              seed,
              modelId,
              trainSeconds,
              finalLoss,
              cells(recall),
              events,
              epochs,
              epochsTrained));
      write("runs.csv", runs);
    }

    void epoch(String combination, String seed, int epoch, Recall recall) {
      epochs.append(
          String.format(
              Locale.ROOT, "\"%s\",%s,%d,%s%n", combination, seed, epoch, cells(recall.recall())));
      write("epochs.csv", epochs);
    }

    private static String cells(List<Double> recall) {
      return recall.stream()
          .map(r -> String.format(Locale.ROOT, "%.5f", r))
          .collect(Collectors.joining(","));
    }

    private void write(String file, StringBuilder content) {
      try {
        files.writeString(folder.resolve(file), content.toString());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
