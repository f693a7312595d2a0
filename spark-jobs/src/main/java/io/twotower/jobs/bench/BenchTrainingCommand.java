package io.twotower.jobs.bench;

import io.twotower.jobs.ConfigOptions;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.ProgressReporter;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.evaluate.EvaluateJob;
import io.twotower.jobs.evaluate.ItemCorpus;
import io.twotower.jobs.evaluate.QueryEncoder;
import io.twotower.jobs.evaluate.RecallAtK;
import io.twotower.jobs.features.FeaturesJob;
import io.twotower.jobs.features.Vocabulary;
import io.twotower.jobs.ingest.IngestJob;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.sampling.SamplingJob;
import io.twotower.jobs.spark.SparkSessions;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.jobs.train.TowerInputs;
import io.twotower.towers.LogQCorrection;
import io.twotower.towers.Optimizer;
import io.twotower.towers.TowerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bench-training}: how fast the project trains, against the ceiling of this machine and
 * against the same model in TensorFlow Recommenders, on the same data and cores, in one go:
 *
 * <ol>
 *   <li>ingest, features and sampling on the data (MovieLens or the synthetic log), into tables of
 *       the benchmark's own under --out; the training examples (as train reads them), the item
 *       corpus and the held-out queries written out once, so that every part reads the same rows;
 *   <li>ND4J's sgemm rate on the model's own matrix products ({@link TrainingFlops}) with 1 and 2
 *       threads, and on a 2048 square for reference (child JVMs: OMP_NUM_THREADS is read once);
 *   <li>the towers alone, {@link io.twotower.towers.LocalTrainer} in one JVM, 1 and 2 threads;
 *   <li>the train stage: {@code TrainJob} on the config's master (local[2], 2 workers) in a child
 *       JVM with the launcher's memory settings, end to end from the Delta tables, with a Spark
 *       listener that says where the time went ({@link StageTimes});
 *   <li>the TFRS peer ({@link TfrsPeer}) on the same examples.
 * </ol>
 *
 * Every trained model is scored with evaluate's code (full-corpus Recall@K on the same held-out
 * queries, the user's seen items excluded); the peer's query and item vectors are scored by the
 * same {@link RecallAtK}. Peak resident memory is the VmHWM of each process. Prints the table and
 * the train stage's time breakdown, writes summary.csv, breakdown.csv, stages.csv and
 * training-throughput.png to --out.
 */
@Command(mixinStandardHelpOptions = true, sortOptions = false)
public final class BenchTrainingCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(BenchTrainingCommand.class);

  /** A square product for reference: the sgemm rate the stack notes quote (about 130 GFLOP/s). */
  static final int SQUARE = 2048;

  @Spec CommandSpec spec;

  @Mixin ConfigOptions configOptions = new ConfigOptions();

  @Option(
      names = "--source",
      paramLabel = "KIND",
      description =
          "movielens (source.movielens-path, ml-latest-small by default) or synthetic (default:"
              + " ${DEFAULT-VALUE}).")
  String source = "movielens";

  @Option(
      names = "--events",
      paramLabel = "N",
      description =
          "Synthetic: about this many events (users = N / synthetic.events-per-user; default:"
              + " ${DEFAULT-VALUE}).")
  long events = 1_000_000;

  @Option(
      names = "--items",
      paramLabel = "M",
      description = "Synthetic: items (default: ${DEFAULT-VALUE}).")
  int items = 10_000;

  @Option(
      names = "--epochs",
      paramLabel = "E",
      description = "Epochs of the train stage and the peer (default: ${DEFAULT-VALUE}).")
  int epochs = 8;

  @Option(
      names = "--batch-size",
      paramLabel = "B",
      description = "Batch size of every part (default: ${DEFAULT-VALUE}).")
  int batchSize = 1024;

  @Option(
      names = "--temperature",
      paramLabel = "TAU",
      description = "The model's temperature (default: ${DEFAULT-VALUE}, the issue's model).")
  double temperature = 0.1;

  @Option(
      names = "--seeds",
      paramLabel = "S",
      split = ",",
      description =
          "Seeds: the train stage and the peer run once per seed (default: ${DEFAULT-VALUE}).")
  List<Long> seeds = List.of(42L);

  @Option(
      names = "--towers-epochs",
      paramLabel = "E",
      description = "Epochs of each towers-alone run (throughput only; default: ${DEFAULT-VALUE}).")
  // Three: the first is left out, and the JIT is still compiling the vector kernels in the second
  // (1 thread, ml-latest-small: 2.7-2.8 s for the second epoch, 2.3-2.6 s for the third).
  int towersEpochs = 3;

  @Option(
      names = "--towers-examples",
      paramLabel = "N",
      description =
          "Towers alone: train on the first N examples only (0: all). Throughput only; on a"
              + " loaded machine the 2-thread run can be very slow (default: ${DEFAULT-VALUE}).")
  int towersExamples = 0;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "Local output folder; the benchmark's tables go to DIR/tables (default:"
              + " <data-dir>/bench/training).")
  Path out;

  @Option(
      names = "--venv",
      paramLabel = "DIR",
      description =
          "The peer's virtual environment, built with pip when missing (default: venv-tfrs next to"
              + " the jar, i.e. spark-jobs/target/venv-tfrs).")
  Path venv;

  @Option(names = "--skip-peer", description = "Leave out the TFRS peer.")
  boolean skipPeer;

  @Option(
      names = "--reuse-tables",
      description = "Keep DIR/tables when they exist (skip ingest, features and sampling).")
  boolean reuseTables;

  @Override
  public Integer call() throws Exception {
    Map<String, String> overrides = overrides();
    JobConfig config = JobConfig.from(ConfigLoader.load(configOptions.configFile(), overrides));
    SparkSessions.withStore(config, store -> run(store, config, overrides));
    return 0;
  }

  /** The benchmark in an open session (the caller's; the train stage still gets its own JVM). */
  public void runOn(SparkSession spark) throws Exception {
    Map<String, String> overrides = overrides();
    JobConfig config = JobConfig.from(ConfigLoader.load(configOptions.configFile(), overrides));
    run(new DeltaStore(spark, config.dataDir()), config, overrides);
  }

  /** The benchmark's settings under the config file and over it the command line (which wins). */
  Map<String, String> overrides() {
    if (!source.equals("movielens") && !source.equals("synthetic")) {
      throw new ParameterException(
          spec.commandLine(), "--source must be movielens or synthetic, not " + source);
    }
    if (epochs < 1 || towersEpochs < 1 || batchSize < 2 || seeds.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "--epochs and --towers-epochs must be >= 1, --batch-size >= 2, --seeds not empty");
    }
    Map<String, String> all = new LinkedHashMap<>();
    all.put("source.kind", source);
    if (source.equals("synthetic")) {
      JobConfig base = configOptions.load();
      long users = Math.max(1, Math.round(events / base.synthetic().eventsPerUser()));
      all.put("synthetic.users", Long.toString(users));
      all.put("synthetic.items", Integer.toString(items));
    }
    all.put("train.epochs", Integer.toString(epochs));
    all.put("train.batch-size", Integer.toString(batchSize));
    all.put("train.temperature", Double.toString(temperature));
    all.put("evaluate.protocol", "held-out");
    all.put("evaluate.baselines", "[popularity]");
    all.putAll(configOptions.commandLine());
    if (out == null) {
      java.net.URI dataDir = configOptions.load().dataDir().hadoopPath().toUri();
      if (dataDir.getScheme() != null && !dataDir.getScheme().equals("file")) {
        throw new ParameterException(
            spec.commandLine(),
            "bench-training writes local files for its child processes: give a local --out"
                + " (data-dir is "
                + dataDir
                + ")");
      }
      out = Path.of(dataDir.getPath(), "bench", "training");
    }
    all.put("data-dir", out.resolve("tables").toAbsolutePath().toString());
    return all;
  }

  private void run(DeltaStore store, JobConfig config, Map<String, String> overrides)
      throws Exception {
    Files.createDirectories(out);
    ProgressReporter progress = ProgressReporter.console();
    String loadBefore = BenchSamplingAggregateCommand.loadAverage();
    List<Integer> ks = config.evaluateKs();
    if (!ks.contains(10) || !ks.contains(100)) {
      throw new ParameterException(
          spec.commandLine(), "evaluate.ks must contain 10 and 100, not " + ks);
    }
    if (!(reuseTables && store.exists(Table.ITEM_SAMPLING_PROBABILITY))) {
      progress.timed("ingest", () -> IngestJob.run(store, config, DateRange.ALL));
      progress.timed("features", () -> FeaturesJob.run(store, config, DateRange.ALL));
      progress.timed("sampling", () -> SamplingJob.run(store, config, DateRange.ALL));
    }
    TowerConfig towers =
        TowerInputs.towerConfig(
            config,
            Vocabulary.fromTable(store.read(Table.VOCABULARIES)),
            store.read(Table.ITEM_FEATURES));
    Dataset<Row> heldOut = EvaluateJob.heldOutQueries(store, config, DateRange.ALL);
    long t0 = System.nanoTime();
    BenchTrainingData.Written data =
        BenchTrainingData.write(store, config, towers, heldOut, out.resolve("data"));
    progress.finished(
        String.format(Locale.ROOT, "data written (%,d examples)", data.examples()),
        (System.nanoTime() - t0) / 1e9);
    TrainingFlops flops = TrainingFlops.of(towers, batchSize, config.train().mixedNegatives());
    LOG.info(
        String.format(
            Locale.ROOT,
            "model FLOPs: %,.0f per example (%,d per batch of %d, %d products)",
            flops.flopsPerExample(),
            flops.flopsPerBatch(),
            batchSize,
            flops.products().size()));

    List<TrainingBenchReport.Part> parts = new ArrayList<>();
    int steps = 4 + 2 * seeds.size();
    int step = 0;
    // 1. sgemm, then 2. the towers alone, each with 1 and 2 threads.
    Map<Integer, Double> sgemm = new HashMap<>();
    for (int threads : List.of(1, 2)) {
      progress.started("sgemm, " + threads + " thread(s)", ++step, steps);
      sgemm.put(threads, sgemm(flops, threads, parts));
    }
    for (int threads : List.of(1, 2)) {
      progress.started("towers alone, " + threads + " thread(s)", ++step, steps);
      parts.add(towersAlone(flops, threads, sgemm.get(threads), data.dir()));
    }
    // 3. the train stage and 4. the peer, once per seed.
    Path python = skipPeer ? null : TfrsPeer.python(venv());
    StringBuilder breakdown = new StringBuilder();
    StringBuilder stages =
        new StringBuilder(
            "seed|stage|name|category|tasks|wall_s|run_s|deserialize_s|result_serialize_s|shuffle_write_s\n");
    for (long seed : seeds) {
      progress.started("train stage, seed " + seed, ++step, steps);
      Map<String, String> seeded = new LinkedHashMap<>(overrides);
      seeded.put("train.seed", Long.toString(seed));
      ChildJvm.Outcome train = trainStage(seeded);
      String modelId = train.results().getProperty("model_id");
      RecallAtK.Recall recall =
          EvaluateJob.twoTowerRecall(store, new ModelStore(store).load(modelId), heldOut, ks);
      double rate =
          withinEpochs(train.number("examples"), train.results().getProperty("epoch_seconds"));
      parts.add(
          new TrainingBenchReport.Part(
              TrainingBenchReport.TRAIN,
              config.spark().master() + ", " + config.train().workers() + " workers",
              seed,
              rate,
              flops.gflops(rate),
              sgemm.get(2),
              recall.recall().get(ks.indexOf(10)),
              recall.recall().get(ks.indexOf(100)),
              train.peakBytes(),
              train.number("wall_seconds")));
      breakdown.append(breakdown(seed, train));
      train
          .results()
          .getProperty("stages")
          .lines()
          .forEach(l -> stages.append(seed).append('|').append(l).append('\n'));
      if (python != null) {
        requireMirrorable(towers);
        progress.started("TFRS peer, seed " + seed, ++step, steps);
        parts.add(peer(python, data, heldOut, ks, flops, sgemm.get(2), seed));
      } else {
        step++;
      }
    }
    RecallAtK.Recall popularity =
        EvaluateJob.baselineRecalls(store, config, heldOut).get(EvaluateJob.POPULARITY);
    parts.add(
        new TrainingBenchReport.Part(
            "popularity",
            "training counts",
            -1,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            popularity.recall().get(ks.indexOf(10)),
            popularity.recall().get(ks.indexOf(100)),
            -1,
            Double.NaN));
    parts.add(
        new TrainingBenchReport.Part(
            "bench JVM",
            "ingest..sampling, data, scoring",
            -1,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            ProcessMemory.selfPeakResidentBytes().orElse(-1),
            Double.NaN));
    heldOut.unpersist();
    String loadAfter = BenchSamplingAggregateCommand.loadAverage();

    String header =
        String.format(
            Locale.ROOT,
            "%n%s: %,d training examples, %,d held-out queries, %,d items; batch %d, %d epochs"
                + " (towers alone: %d on %s examples), tau %s; %,.0f model FLOPs per example%n",
            source.equals("movielens") ? config.source().movielensPath() : "synthetic log",
            data.examples(),
            data.queryHistories().size(),
            data.itemIds().size(),
            batchSize,
            epochs,
            towersEpochs,
            towersExamples > 0 && towersExamples < data.examples()
                ? String.format(Locale.ROOT, "the first %,d", towersExamples)
                : "all",
            towers.temperature(),
            flops.flopsPerExample());
    String table =
        TrainingBenchReport.table(parts, header)
            + breakdown
            + "load average before: "
            + loadBefore
            + "; after: "
            + loadAfter
            + "\n";
    System.out.print(table);
    Files.writeString(out.resolve("table.txt"), table);
    Files.writeString(
        out.resolve("summary.csv"), TrainingBenchReport.csv(parts, loadBefore, loadAfter));
    Files.writeString(out.resolve("stages.csv"), stages.toString());
    TrainingBenchReport.png(
        parts,
        out.resolve("training-throughput.png"),
        String.format(Locale.ROOT, "%,d examples, load %s", data.examples(), loadAfter));
    LOG.info("wrote {}", out.toAbsolutePath());
  }

  /** Runs the sgemm child, adds its rows and returns the rate on the model's mix of products. */
  private Double sgemm(TrainingFlops flops, int threads, List<TrainingBenchReport.Part> parts)
      throws IOException, InterruptedException {
    List<TrainingFlops.MatMul> products = new ArrayList<>(flops.products());
    products.add(new TrainingFlops.MatMul("square", SQUARE, SQUARE, SQUARE, 0));
    String shapes =
        products.stream()
            .map(p -> p.m() + "," + p.k() + "," + p.n())
            .collect(Collectors.joining(";"));
    ChildJvm.Outcome o =
        ChildJvm.run(
            TowersProbe.class,
            List.of("sgemm", Integer.toString(threads), shapes),
            Map.of("OMP_NUM_THREADS", Integer.toString(threads)),
            out.resolve("sgemm-" + threads + ".properties"));
    double seconds = 0;
    for (int s = 0; s < flops.products().size(); s++) {
      seconds += o.number("shape." + s + ".seconds") * products.get(s).count();
    }
    double mix = flops.flopsPerBatch() / seconds / 1e9;
    double square =
        2.0
            * SQUARE
            * SQUARE
            * SQUARE
            / o.number("shape." + flops.products().size() + ".seconds")
            / 1e9;
    String setting = threads + " thread(s) (" + threadsNote(o) + ")";
    parts.add(
        new TrainingBenchReport.Part(
            "sgemm (model's products)",
            setting,
            -1,
            Double.NaN,
            mix,
            mix,
            Double.NaN,
            Double.NaN,
            o.peakBytes(),
            seconds));
    parts.add(
        new TrainingBenchReport.Part(
            "sgemm (" + SQUARE + " square)",
            setting,
            -1,
            Double.NaN,
            square,
            mix,
            Double.NaN,
            Double.NaN,
            -1,
            Double.NaN));
    return mix;
  }

  private static String threadsNote(ChildJvm.Outcome o) {
    return "nd4j "
        + o.results().getProperty("nd4j_max_threads")
        + ", blas "
        + o.results().getProperty("blas_max_threads");
  }

  private TrainingBenchReport.Part towersAlone(
      TrainingFlops flops, int threads, double sgemmRate, Path data)
      throws IOException, InterruptedException {
    ChildJvm.Outcome o =
        ChildJvm.run(
            TowersProbe.class,
            List.of(
                "towers",
                Integer.toString(threads),
                data.resolve("towers-input.ser").toString(),
                Integer.toString(batchSize),
                Integer.toString(towersEpochs),
                Long.toString(seeds.get(0)),
                Integer.toString(towersExamples)),
            Map.of("OMP_NUM_THREADS", Integer.toString(threads)),
            out.resolve("towers-" + threads + ".properties"));
    double rate = withinEpochs(o.number("examples"), o.results().getProperty("epoch_seconds"));
    LOG.info(
        String.format(
            Locale.ROOT,
            "towers alone, %d thread(s): batch building alone %.1f s per epoch",
            threads,
            o.number("build_seconds_per_epoch")));
    return new TrainingBenchReport.Part(
        "towers alone (LocalTrainer)",
        threads + " thread(s) (" + threadsNote(o) + ")",
        seeds.get(0),
        rate,
        flops.gflops(rate),
        sgemmRate,
        Double.NaN,
        Double.NaN,
        o.peakBytes(),
        Arrays.stream(o.results().getProperty("epoch_seconds").split(","))
            .mapToDouble(Double::parseDouble)
            .sum());
  }

  private ChildJvm.Outcome trainStage(Map<String, String> overrides)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>();
    Path file = configOptions.configFile();
    args.add(file == null ? "-" : file.toAbsolutePath().toString());
    overrides.forEach((k, v) -> args.add(k + "=" + v));
    // The workers' OpenMP threads as the launcher sets them (one each; see bin/two-tower).
    String omp = System.getenv().getOrDefault("OMP_NUM_THREADS", "1");
    return ChildJvm.run(
        TrainStageProbe.class,
        args,
        Map.of("OMP_NUM_THREADS", omp),
        out.resolve("train-" + overrides.get("train.seed") + ".properties"));
  }

  private TrainingBenchReport.Part peer(
      Path python,
      BenchTrainingData.Written data,
      Dataset<Row> heldOut,
      List<Integer> ks,
      TrainingFlops flops,
      double sgemmRate,
      long seed)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    TfrsPeer.Result r = TfrsPeer.run(python, data.dir(), seed);
    double seconds = (System.nanoTime() - start) / 1e9;
    HashMap<String, float[]> byHistory = new HashMap<>();
    for (int q = 0; q < data.queryHistories().size(); q++) {
      byHistory.put(Arrays.toString(data.queryHistories().get(q)), r.queryVectors()[q]);
    }
    QueryEncoder encoder = histories -> encode(byHistory, histories);
    RecallAtK.Recall recall =
        RecallAtK.of(
            heldOut, encoder, ItemCorpus.of(data.itemIds(), data.itemIdx(), r.itemVectors()), ks);
    return new TrainingBenchReport.Part(
        TrainingBenchReport.PEER,
        r.versions(),
        seed,
        r.examplesPerSecond(),
        flops.gflops(r.examplesPerSecond()),
        sgemmRate,
        recall.recall().get(ks.indexOf(10)),
        recall.recall().get(ks.indexOf(100)),
        r.peakBytes(),
        seconds);
  }

  /** The peer's query vectors looked up by history (a query tower is a function of it). */
  private static float[][] encode(Map<String, float[]> byHistory, List<int[]> histories) {
    float[][] out = new float[histories.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = byHistory.get(Arrays.toString(histories.get(i)));
      if (out[i] == null) {
        throw new IllegalStateException(
            "the peer encoded no query with history " + Arrays.toString(histories.get(i)));
      }
    }
    return out;
  }

  /** The peer mirrors the model: paper or no correction, no seed item or user fields. */
  private void requireMirrorable(TowerConfig towers) {
    if (towers.correction() == LogQCorrection.NEGATIVES_ONLY
        || towers.seedItem()
        || !towers.userFields().isEmpty()
        || towers.optimizer() != Optimizer.ADAM) {
      throw new ParameterException(
          spec.commandLine(),
          "the TFRS peer mirrors Adam with correction paper or none, without seed item or user"
              + " fields; this config has "
              + towers
              + ". Use --skip-peer or those settings.");
    }
  }

  /**
   * Examples/s within epochs: {@code examples} over the median epoch time, the first epoch left out
   * when there are more.
   */
  static double withinEpochs(double examples, String epochSeconds) {
    double[] seconds =
        Arrays.stream(epochSeconds.split(",")).mapToDouble(Double::parseDouble).toArray();
    double[] later = seconds.length > 1 ? Arrays.copyOfRange(seconds, 1, seconds.length) : seconds;
    Arrays.sort(later);
    int n = later.length;
    double median = n % 2 == 1 ? later[n / 2] : (later[n / 2 - 1] + later[n / 2]) / 2;
    return examples / median;
  }

  /** The train stage's time by category, from its listener. */
  private static String breakdown(long seed, ChildJvm.Outcome train) {
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%ntrain stage, seed %d: %.1f s end to end (fit %.1f s), %d Spark jobs; where the"
                    + " time went (task sums over both cores):%n%-76s %6s %7s %8s %8s %8s %8s %8s"
                    + " %8s%n",
                seed,
                train.number("wall_seconds"),
                train.number("fit_seconds"),
                (long) train.number("spark_jobs"),
                "category",
                "stages",
                "tasks",
                "wall s",
                "run s",
                "deser s",
                "ser s",
                "gc s",
                "shuf w s"));
    for (StageTimes.Category c : StageTimes.Category.values()) {
      String key = "category." + c.name().toLowerCase(Locale.ROOT) + ".";
      b.append(
          String.format(
              Locale.ROOT,
              "%-76s %6.0f %7.0f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f%n",
              c.description,
              train.number(key + "stages"),
              train.number(key + "tasks"),
              train.number(key + "wall"),
              train.number(key + "run"),
              train.number(key + "deserialize"),
              train.number(key + "result_serialize"),
              train.number(key + "gc"),
              train.number(key + "shuffle_write")));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "%-76s %6s %7s %8.1f%n",
            "driver alone, no stage running (averaging/broadcast set-up, checkpoints, scheduling)",
            "",
            "",
            train.number("driver_idle_seconds")));
    return b.toString();
  }

  private Path venv() {
    if (venv != null) {
      return venv.toAbsolutePath();
    }
    try {
      Path code =
          Path.of(
              BenchTrainingCommand.class
                  .getProtectionDomain()
                  .getCodeSource()
                  .getLocation()
                  .toURI());
      return code.getParent().resolve("venv-tfrs");
    } catch (Exception e) {
      return out.resolve("venv-tfrs").toAbsolutePath();
    }
  }
}
