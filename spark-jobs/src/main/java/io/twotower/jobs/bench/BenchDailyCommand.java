package io.twotower.jobs.bench;

import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.ConfigOptions;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.ProgressReporter;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.evaluate.EvaluateJob;
import io.twotower.jobs.evaluate.RecallReport;
import io.twotower.jobs.features.FeaturesJob;
import io.twotower.jobs.ingest.IngestJob;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.sampling.SamplingJob;
import io.twotower.jobs.spark.SparkSessions;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.train.TrainJob;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bench-daily}: day-by-day incremental training against retraining from scratch every day,
 * on the synthetic log with popularity drift (new uploads every day, pull fading with age; see
 * {@code --new-item-share}, {@code --freshness-half-life-days}), each model scored with the
 * next-day protocol (the paper's).
 *
 * <p>The log spans {@code --days} + 1 days from {@code synthetic.start-date}; ingest and features
 * run once over all of it with {@code features.split = last-days} and one test day, so days 1..N
 * are training days and day N + 1 only ever a test day. Then for each day D = 1..N, in order:
 *
 * <ol>
 *   <li>scratch: {@code sampling} over the days up to D, {@code train --from day1 --to D} with
 *       {@code train.incremental = false} (one fresh model on all of them);
 *   <li>incremental: {@code sampling} over the days the day's training reads (D and the {@code
 *       train.replay-days} before it, so log p_j matches the rows the batches are drawn from), then
 *       {@code train --date D} with {@code train.incremental = true}, which continues from the
 *       incremental model of day D - 1;
 *   <li>both: {@code evaluate --date D} with {@code evaluate.protocol = next-day}, i.e. on the
 *       events of D + 1, next to the popularity baseline fit up to D.
 * </ol>
 *
 * Popularity (fit on the training days up to D) is the reference column. Scratch trains before
 * incremental each day so that the incremental model is the newest one trained through D, the one
 * day D + 1's incremental training continues from; the command checks that it did. Train seconds
 * are the wall time of the train call (reading, batching, fitting, saving). Prints one line per day
 * and the totals, and writes {@code daily.csv}, {@code recall-by-day.png} and {@code
 * train-seconds-by-day.png} to --out. Every model is kept in the model store; LATEST ends on the
 * incremental model of day N.
 */
@Command(mixinStandardHelpOptions = true, sortOptions = false)
public final class BenchDailyCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(BenchDailyCommand.class);

  static final String INCREMENTAL = "incremental";
  static final String SCRATCH = "scratch";

  @Spec CommandSpec spec;

  @Mixin ConfigOptions configOptions = new ConfigOptions();

  @Option(
      names = "--days",
      paramLabel = "N",
      description =
          "Training days; the synthetic log gets one more, the last day's test day (default:"
              + " ${DEFAULT-VALUE}).")
  int days = 14;

  @Option(
      names = "--new-item-share",
      paramLabel = "S",
      description =
          "Popularity drift: share of items uploaded during the log (synthetic.new-item-share;"
              + " default: ${DEFAULT-VALUE}).")
  double newItemShare = 0.3;

  @Option(
      names = "--freshness-half-life-days",
      paramLabel = "H",
      description =
          "Popularity drift: an item's pull halves every H days after upload"
              + " (synthetic.freshness-half-life-days, 0: never; default: ${DEFAULT-VALUE}).")
  double freshnessHalfLifeDays = 3;

  @Option(
      names = "--k",
      paramLabel = "K",
      description = "The Recall@K the table shows; one of evaluate.ks (default: ${DEFAULT-VALUE}).")
  int k = 100;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "Output folder: a path or a URI such as s3a://b/c (default: <data-dir>/bench/daily).")
  String out;

  /** One day's two models and their next-day Recall@K (every K of evaluate.ks). */
  record Day(
      LocalDate day,
      Map<String, String> modelIds,
      Map<String, Double> trainSeconds,
      Map<String, Long> examples,
      Map<String, List<Double>> recall,
      List<Double> popularity,
      long queries) {}

  @Override
  public Integer call() throws IOException {
    JobConfig config = config();
    SparkSessions.withStore(config, store -> run(store, config));
    return 0;
  }

  /** The benchmark on an open store (its session is the caller's); returns the days measured. */
  public List<Day> runOn(DeltaStore store) throws IOException {
    return run(store, config());
  }

  /** The config file and --set values, with the benchmark's source, split and protocol. */
  private JobConfig config() {
    return config(Map.of());
  }

  /** As {@link #config()}, with {@code more} on top. */
  private JobConfig config(Map<String, String> more) {
    if (days < 1) {
      throw new ParameterException(spec.commandLine(), "--days must be at least 1, not " + days);
    }
    Map<String, String> fixed = new LinkedHashMap<>();
    fixed.put("source.kind", "synthetic");
    fixed.put("synthetic.days", Integer.toString(days + 1));
    fixed.put("synthetic.new-item-share", Double.toString(newItemShare));
    fixed.put("synthetic.freshness-half-life-days", Double.toString(freshnessHalfLifeDays));
    fixed.put("features.split", "last-days");
    fixed.put("features.test-days", "1");
    fixed.put("evaluate.protocol", "next-day");
    fixed.put("evaluate.baselines", "[popularity]");
    fixed.putAll(more);
    JobConfig config = configOptions.load(fixed);
    if (!config.evaluateKs().contains(k)) {
      throw new ParameterException(
          spec.commandLine(), "--k " + k + " is not one of evaluate.ks " + config.evaluateKs());
    }
    return config;
  }

  private List<Day> run(DeltaStore store, JobConfig config) throws IOException {
    DataLocation folder =
        out != null ? DataLocation.of(out) : config.dataDir().resolve("bench").resolve("daily");
    HadoopFiles files = store.files();
    ProgressReporter progress = ProgressReporter.console();
    progress.timed("ingest", () -> IngestJob.run(store, config, DateRange.ALL));
    progress.timed("features", () -> FeaturesJob.run(store, config, DateRange.ALL));

    LocalDate first = config.synthetic().startDate();
    int replay = config.train().replayDays();
    JobConfig scratch = config(Map.of("train.incremental", "false"));
    JobConfig incremental =
        config(
            Map.of(
                "train.incremental", "true", "sampling.window-days", Integer.toString(1 + replay)));
    ModelStore models = new ModelStore(store);
    List<Day> measured = new ArrayList<>();
    String previousIncremental = null;
    for (int d = 0; d < days; d++) {
      LocalDate day = first.plusDays(d);
      progress.started("day " + day, d + 1, days);
      Map<String, String> ids = new LinkedHashMap<>();
      Map<String, Double> seconds = new LinkedHashMap<>();
      Map<String, Long> examples = new LinkedHashMap<>();
      Map<String, List<Double>> recall = new LinkedHashMap<>();
      RecallReport report = null;
      for (String arm : List.of(SCRATCH, INCREMENTAL)) {
        JobConfig armConfig = arm.equals(SCRATCH) ? scratch : incremental;
        // The per-day counts of earlier days are already written: each run adds day D's.
        SamplingJob.run(store, armConfig, DateRange.day(day));
        DateRange window = arm.equals(SCRATCH) ? new DateRange(first, day) : DateRange.day(day);
        long start = System.nanoTime();
        TrainJob.Result trained = TrainJob.train(store, armConfig, window);
        seconds.put(arm, (System.nanoTime() - start) / 1e9);
        if (arm.equals(INCREMENTAL)) {
          requireParent(models, trained.modelId(), previousIncremental);
          previousIncremental = trained.modelId();
        }
        ids.put(arm, trained.modelId());
        examples.put(arm, trained.examples());
        report = EvaluateJob.evaluate(store, armConfig, trained.modelId(), DateRange.day(day));
        recall.put(arm, recallAtKs(report, EvaluateJob.TWO_TOWER, config.evaluateKs()));
      }
      List<Double> popularity = recallAtKs(report, EvaluateJob.POPULARITY, config.evaluateKs());
      Day result = new Day(day, ids, seconds, examples, recall, popularity, report.queries());
      measured.add(result);
      LOG.info(line(result, config.evaluateKs()));
      // Rewritten after every day, so a stopped run keeps what it measured.
      files.writeString(folder.resolve("daily.csv"), csv(measured, config.evaluateKs()));
    }
    System.out.print(table(measured, config.evaluateKs(), first));
    DailyPlots.write(files, folder, measured, config.evaluateKs().indexOf(k), k);
    LOG.info("wrote {}", folder);
    return measured;
  }

  /** The incremental model of day D must continue from the one of day D - 1 (none on day 1). */
  private static void requireParent(ModelStore models, String modelId, String expectedParent) {
    var metadata = ConfigFactory.parseString(models.metadata(modelId));
    String parent =
        metadata.hasPath("parent_model_id") ? metadata.getString("parent_model_id") : null;
    if (expectedParent != null && !expectedParent.equals(parent)) {
      throw new IllegalStateException(
          "incremental model "
              + modelId
              + " continued from "
              + parent
              + ", not from the previous day's incremental model "
              + expectedParent);
    }
  }

  private static List<Double> recallAtKs(RecallReport report, String method, List<Integer> ks) {
    return ks.stream().map(kk -> report.recall(method, kk)).toList();
  }

  private String line(Day day, List<Integer> ks) {
    int at = ks.indexOf(k);
    return String.format(
        Locale.ROOT,
        "day %s -> %s: R@%d incremental %.4f (%.1f s), scratch %.4f (%.1f s)",
        day.day(),
        day.day().plusDays(1),
        k,
        day.recall().get(INCREMENTAL).get(at),
        day.trainSeconds().get(INCREMENTAL),
        day.recall().get(SCRATCH).get(at),
        day.trainSeconds().get(SCRATCH));
  }

  /** The console table: one line per day, then totals (train seconds) and means (recall). */
  String table(List<Day> measured, List<Integer> ks, LocalDate first) {
    int at = ks.indexOf(k);
    StringBuilder t = new StringBuilder();
    t.append(
        String.format(
            Locale.ROOT,
            "%nNext-day Recall@%d, incremental (train --date D, continuing from D-1) vs from"
                + " scratch (train --from %s --to D)%n",
            k,
            first));
    t.append(
        String.format(
            Locale.ROOT,
            "%-10s %-10s %8s %11s %9s %11s %9s %10s%n",
            "day",
            "test day",
            "queries",
            "incr. R@" + k,
            "incr. s",
            "scratch R@" + k,
            "scratch s",
            "popularity"));
    double[] sum = new double[4];
    for (Day day : measured) {
      double pop = day.popularity().get(at);
      t.append(
          String.format(
              Locale.ROOT,
              "%-10s %-10s %8d %11.4f %9.1f %11.4f %9.1f %10.4f%n",
              day.day(),
              day.day().plusDays(1),
              day.queries(),
              day.recall().get(INCREMENTAL).get(at),
              day.trainSeconds().get(INCREMENTAL),
              day.recall().get(SCRATCH).get(at),
              day.trainSeconds().get(SCRATCH),
              pop));
      sum[0] += day.recall().get(INCREMENTAL).get(at);
      sum[1] += day.trainSeconds().get(INCREMENTAL);
      sum[2] += day.recall().get(SCRATCH).get(at);
      sum[3] += day.trainSeconds().get(SCRATCH);
    }
    int n = measured.size();
    t.append(
        String.format(
            Locale.ROOT,
            "%-10s %-10s %8s %11.4f %9.1f %11.4f %9.1f%n",
            "mean/total",
            "",
            "",
            sum[0] / n,
            sum[1],
            sum[2] / n,
            sum[3]));
    return t.toString();
  }

  /** daily.csv: one row per day and method (both arms, popularity), Recall@K at every K. */
  static String csv(List<Day> measured, List<Integer> ks) {
    StringBuilder csv = new StringBuilder("day,test_day,method,model_id,examples,train_seconds");
    ks.forEach(kk -> csv.append(",recall_at_").append(kk));
    csv.append(",queries\n");
    for (Day day : measured) {
      for (String arm : List.of(INCREMENTAL, SCRATCH)) {
        csv.append(
            String.format(
                Locale.ROOT,
                "%s,%s,%s,%s,%d,%.3f",
                day.day(),
                day.day().plusDays(1),
                arm,
                day.modelIds().get(arm),
                day.examples().get(arm),
                day.trainSeconds().get(arm)));
        day.recall().get(arm).forEach(r -> csv.append(String.format(Locale.ROOT, ",%.6f", r)));
        csv.append(',').append(day.queries()).append('\n');
      }
      csv.append(
          String.format(Locale.ROOT, "%s,%s,popularity,,,", day.day(), day.day().plusDays(1)));
      day.popularity().forEach(r -> csv.append(String.format(Locale.ROOT, ",%.6f", r)));
      csv.append(',').append(day.queries()).append('\n');
    }
    return csv.toString();
  }
}
