package io.twotower.jobs.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.rand;

import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.spark.SparkSessions;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import io.twotower.sampling.AggregateSettings;
import io.twotower.sampling.ItemSamplingProbabilities;
import io.twotower.sampling.ProbabilityKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench-sampling-aggregate}: is the aggregate estimator as cheap as a plain aggregation?
 * Generates N synthetic events with spark.range (item = floor(items^u) for uniform u, a Zipf-like
 * law with P(item = k) about 1 / (k ln items); day = id mod days), caches them, then times in the
 * same session, each repetition in alternating order, every result written to Spark's noop sink (so
 * the whole plan runs and nothing is collected):
 *
 * <ul>
 *   <li>{@code groupBy-count}: the baseline, {@code events.groupBy(item).count()};
 *   <li>{@code groupBy-item-day-count}: {@code events.groupBy(item, day).count()}, the baseline of
 *       the per-day counts (an aggregation over (item, day) pairs, which outnumber items);
 *   <li>{@code estimate}: {@link ItemSamplingProbabilities#estimate} without decay, and {@code
 *       estimate-decay} with a 7-day half-life;
 *   <li>{@code daily-counts}: {@link ItemSamplingProbabilities#dailyCounts} (the job's daily unit);
 *   <li>{@code from-daily-counts-decay}: {@link ItemSamplingProbabilities#fromDailyCounts} over
 *       daily counts held in memory by a local checkpoint (what the job does after writing them;
 *       the job reads them from Delta).
 * </ul>
 *
 * Prints method, median seconds, the ratio to groupBy-count's median and the ratio to the method's
 * own baseline (the plain aggregation over the same keys), and writes {@code results.csv} (every
 * repetition) and {@code summary.csv} to --out. The machine's load average is printed with the
 * table: on a shared machine it is part of the result.
 */
@Command(mixinStandardHelpOptions = true, sortOptions = false)
public final class BenchSamplingAggregateCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(BenchSamplingAggregateCommand.class);

  private static final String BASELINE = "groupBy-count";
  private static final String DAILY_BASELINE = "groupBy-item-day-count";
  private static final String DAILY_COUNTS = "daily-counts";
  private static final LocalDate FIRST_DAY = LocalDate.of(2026, 1, 1);

  @Option(
      names = "--events",
      paramLabel = "N",
      description = "Synthetic events (default: ${DEFAULT-VALUE}).")
  long events = 10_000_000;

  @Option(
      names = "--items",
      paramLabel = "M",
      description = "Distinct item ids (default: ${DEFAULT-VALUE}).")
  int items = 1_000_000;

  @Option(
      names = "--days",
      paramLabel = "D",
      description = "Days the events spread over (default: ${DEFAULT-VALUE}).")
  int days = 14;

  @Option(
      names = "--repetitions",
      paramLabel = "R",
      description = "Timed runs per method (default: ${DEFAULT-VALUE}).")
  int repetitions = 5;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Output folder, a path or a URI such as s3a://b/c (default: ${DEFAULT-VALUE}).")
  String out = "data/bench/sampling-aggregate";

  @Option(
      names = "--master",
      paramLabel = "URL",
      description = "Spark master (default: the config's spark.master).")
  String master;

  @Override
  public Integer call() throws IOException {
    Map<String, String> overrides = new LinkedHashMap<>();
    if (master != null) {
      overrides.put("spark.master", master);
    }
    JobConfig config = JobConfig.from(ConfigLoader.load(null, overrides));
    SparkSession spark = SparkSessions.create(config.spark());
    try {
      run(spark);
    } finally {
      spark.stop();
    }
    return 0;
  }

  void run(SparkSession spark) throws IOException {
    DataLocation folder = DataLocation.of(out);
    HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    String loadBefore = loadAverage();
    long start = System.nanoTime();
    Dataset<Row> generated =
        spark
            .range(0, events, 1, Math.max(2, spark.sparkContext().defaultParallelism()))
            .select(
                floor(pow(lit((double) items), rand(7))).cast("int").minus(1).as("item"),
                date_add(lit(FIRST_DAY), pmod(col("id"), lit(days)).cast("int")).as("day"))
            .persist(StorageLevel.MEMORY_ONLY());
    long rows = generated.count();
    LOG.info(
        String.format(
            "%,d events over up to %,d items and %d days generated and cached in %.1f s;"
                + " load average before: %s",
            rows, items, days, (System.nanoTime() - start) / 1e9, loadBefore));

    LocalDate windowEnd = FIRST_DAY.plusDays(days - 1L);
    AggregateSettings plain = new AggregateSettings(8192, 0, 1e-9, ProbabilityKind.EXPECTED_COUNT);
    AggregateSettings decay = new AggregateSettings(8192, 7, 1e-9, ProbabilityKind.EXPECTED_COUNT);
    // The job reads the daily counts back from Delta; here a local checkpoint holds them, not a
    // cache: Spark's cache manager would substitute a cached (item, day) plan into every timed plan
    // containing the same aggregation.
    Dataset<Row> daily =
        ItemSamplingProbabilities.dailyCounts(generated, "item", "day").localCheckpoint();
    long dailyRows = daily.count();
    Map<String, Supplier<Dataset<Row>>> methods = new LinkedHashMap<>();
    methods.put(BASELINE, () -> generated.groupBy("item").count());
    methods.put(DAILY_BASELINE, () -> generated.groupBy("item", "day").count());
    methods.put(
        "estimate",
        () -> ItemSamplingProbabilities.estimate(generated, "item", "day", windowEnd, plain));
    methods.put(
        "estimate-decay",
        () -> ItemSamplingProbabilities.estimate(generated, "item", "day", windowEnd, decay));
    methods.put(
        DAILY_COUNTS, () -> ItemSamplingProbabilities.dailyCounts(generated, "item", "day"));
    methods.put(
        "from-daily-counts-decay",
        () -> ItemSamplingProbabilities.fromDailyCounts(daily, windowEnd, days, decay));

    // One untimed warm-up of each method (JIT, first shuffle), then the timed repetitions.
    methods.values().forEach(m -> m.get().write().format("noop").mode("overwrite").save());
    Map<String, List<Double>> seconds = new LinkedHashMap<>();
    methods.keySet().forEach(name -> seconds.put(name, new ArrayList<>()));
    List<String> order = new ArrayList<>(methods.keySet());
    StringBuilder results = new StringBuilder("method,repetition,seconds\n");
    for (int r = 1; r <= repetitions; r++) {
      for (String name : order) {
        long t0 = System.nanoTime();
        // The validating aggregate runs inside get(): part of the method's cost.
        methods.get(name).get().write().format("noop").mode("overwrite").save();
        double s = (System.nanoTime() - t0) / 1e9;
        seconds.get(name).add(s);
        results.append(String.format(Locale.ROOT, "%s,%d,%.3f%n", name, r, s));
      }
      java.util.Collections.reverse(order);
    }
    String loadAfter = loadAverage();
    double baseline = median(seconds.get(BASELINE));
    StringBuilder table =
        new StringBuilder(
            String.format(
                "%n%,d events, %,d (item, day) groups, %d repetitions (alternating order), local"
                    + " master %s%n%-26s %10s %10s %22s%n",
                rows,
                dailyRows,
                repetitions,
                spark.sparkContext().master(),
                "method",
                "median s",
                "ratio",
                "ratio to own baseline"));
    StringBuilder summary =
        new StringBuilder(
            "method,median_seconds,ratio_to_groupby_count,own_baseline,ratio_to_own_baseline,events,"
                + "load_before,load_after\n");
    for (Map.Entry<String, List<Double>> e : seconds.entrySet()) {
      double m = median(e.getValue());
      String own = ownBaseline(e.getKey());
      double ratioToOwn = m / median(seconds.get(own));
      table.append(
          String.format(
              Locale.ROOT,
              "%-26s %10.2f %10.2f %22s%n",
              e.getKey(),
              m,
              m / baseline,
              String.format(Locale.ROOT, "%.2f (%s)", ratioToOwn, own)));
      summary.append(
          String.format(
              Locale.ROOT,
              "%s,%.3f,%.3f,%s,%.3f,%d,%s,%s%n",
              e.getKey(),
              m,
              m / baseline,
              own,
              ratioToOwn,
              rows,
              loadBefore.replace(',', ' '),
              loadAfter.replace(',', ' ')));
    }
    table.append("load average before: ").append(loadBefore).append("; after: ").append(loadAfter);
    System.out.println(table);
    files.writeString(folder.resolve("results.csv"), results.toString());
    files.writeString(folder.resolve("summary.csv"), summary.toString());
    LOG.info("wrote {}", folder);
    generated.unpersist();
  }

  /** The plain aggregation over the same keys as {@code method}. */
  private static String ownBaseline(String method) {
    return method.equals(DAILY_COUNTS) || method.equals(DAILY_BASELINE) ? DAILY_BASELINE : BASELINE;
  }

  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0]
          + " "
          + parts[1]
          + " "
          + parts[2]
          + " (1/5/15 min, "
          + Runtime.getRuntime().availableProcessors()
          + " cores)";
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
