package io.twotower.jobs.bench;

import io.twotower.jobs.ConfigOptions;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.ProgressReporter;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.export.ExportJob;
import io.twotower.jobs.features.FeaturesJob;
import io.twotower.jobs.ingest.IngestJob;
import io.twotower.jobs.sampling.SamplingJob;
import io.twotower.jobs.spark.SparkSessions;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.train.TrainJob;
import java.io.IOException;
import java.lang.management.ManagementFactory;
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
 * {@code bench-soak}: {@code --days} consecutive daily runs of the pipeline as a schedule runs them
 * ({@code ingest}, {@code features}, {@code sampling}, {@code train} and {@code export}, each with
 * {@code --date D}; train continues day by day from the model of D - 1), on the synthetic log with
 * {@code --scale} times the default users and items (so {@code --scale} times the events), all in
 * this one JVM with one Spark session, as a long-lived driver would. Spark runs in local mode here:
 * the executors are this JVM, so its memory is the memory of every JVM of the run.
 *
 * <p>After each day it runs a full GC, returns the C heap's free memory to the OS ({@link
 * ProcessMemory#trimNativeHeap}) and samples the heap in use (what survived: a leak shows here
 * first), the resident set then (VmRSS: what the process keeps from one day to the next, native
 * memory included) and the day's peak resident set (VmHWM, reset at the start of each day by
 * writing 5 to /proc/self/clear_refs; where that is refused it is the peak since start). The
 * verdict is "no growth" when the least-squares slopes of heap after GC and of RSS after GC over
 * the days after {@code --warm-up-days} are both at most {@code --max-slope-mb} MB/day. The peak's
 * slope is reported beside them but is no part of the rule: ND4J frees an array's native buffer
 * only when the GC finds the array, so a day's peak holds whatever garbage the GC had not reached
 * yet, and moves with the GC's timing (bounded by JavaCPP's {@code maxphysicalbytes}, past which
 * every new array runs the GC first). Prints one line per day and the table, and writes {@code
 * summary.csv} and {@code memory-by-day.png} to --out.
 */
@Command(mixinStandardHelpOptions = true, sortOptions = false)
public final class BenchSoakCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(BenchSoakCommand.class);

  static final List<String> STAGES = List.of("ingest", "features", "sampling", "train", "export");

  @Spec CommandSpec spec;

  @Mixin ConfigOptions configOptions = new ConfigOptions();

  @Option(
      names = "--days",
      paramLabel = "N",
      description = "Consecutive daily runs (synthetic.days; default: ${DEFAULT-VALUE}).")
  int days = 14;

  @Option(
      names = "--scale",
      paramLabel = "X",
      description =
          "Multiplies synthetic.users and synthetic.items of the config (default:"
              + " ${DEFAULT-VALUE}).")
  double scale = 10;

  @Option(
      names = "--warm-up-days",
      paramLabel = "W",
      description =
          "Days left out of the growth fit: class loading, JIT and ND4J's pools settle in them"
              + " (default: ${DEFAULT-VALUE}).")
  int warmUpDays = 2;

  @Option(
      names = "--max-slope-mb",
      paramLabel = "MB",
      description =
          "Largest slope (MB per day) of heap and of RSS after each day's GC called no growth"
              + " (default:"
              + " ${DEFAULT-VALUE}).")
  double maxSlopeMb = 16;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Output folder (default: <data-dir>/bench/soak).")
  String out;

  /**
   * One day: seconds per stage, heap in use after a full GC, RSS after that GC and a trim of the C
   * heap, the day's peak RSS, and two parts of the RSS outside the heap, to tell where a growing
   * RSS grows: the JVM's non-heap (metaspace, code cache) and what JavaCPP counts ({@code
   * Pointer.totalBytes}: its own buffers; ND4J's CPU arrays are allocated by libnd4j and not in
   * it). The rest of the RSS is the committed heap, threads and what native libraries allocate
   * themselves, ND4J's arrays among them.
   */
  record Day(
      LocalDate day,
      Map<String, Double> seconds,
      long heapAfterGcBytes,
      long rssBytes,
      long peakRssBytes,
      long nonHeapBytes,
      long javacppBytes) {}

  /** The days measured, their slopes (MB/day) and whether heap and RSS after GC grew. */
  record Soak(
      List<Day> days,
      double heapSlopeMb,
      double rssSlopeMb,
      double peakRssSlopeMb,
      boolean noGrowth) {}

  @Override
  public Integer call() throws IOException {
    JobConfig config = config();
    SparkSessions.withStore(config, store -> run(store, config));
    return 0;
  }

  /** The soak on an open store (its session is the caller's). */
  public Soak runOn(DeltaStore store) throws IOException {
    return run(store, config());
  }

  private JobConfig config() {
    if (days < 1) {
      throw new ParameterException(spec.commandLine(), "--days must be at least 1, not " + days);
    }
    if (scale <= 0) {
      throw new ParameterException(spec.commandLine(), "--scale must be positive, not " + scale);
    }
    JobConfig base = configOptions.load(Map.of());
    Map<String, String> fixed = new LinkedHashMap<>();
    fixed.put("source.kind", "synthetic");
    fixed.put("synthetic.days", Integer.toString(days));
    fixed.put("synthetic.users", Long.toString(Math.round(base.synthetic().users() * scale)));
    fixed.put("synthetic.items", Long.toString(Math.round(base.synthetic().items() * scale)));
    fixed.put("train.incremental", "true");
    return configOptions.load(fixed);
  }

  private Soak run(DeltaStore store, JobConfig config) throws IOException {
    DataLocation folder =
        out != null ? DataLocation.of(out) : config.dataDir().resolve("bench").resolve("soak");
    HadoopFiles files = store.files();
    ProgressReporter progress = ProgressReporter.console();
    LocalDate first = config.synthetic().startDate();
    List<Day> measured = new ArrayList<>();
    for (int d = 0; d < days; d++) {
      LocalDate day = first.plusDays(d);
      DateRange date = DateRange.day(day);
      progress.started("day " + day, d + 1, days);
      boolean peakReset = resetPeakRss();
      Map<String, Double> seconds = new LinkedHashMap<>();
      seconds.put("ingest", progress.timed("ingest", () -> IngestJob.run(store, config, date)));
      seconds.put(
          "features", progress.timed("features", () -> FeaturesJob.run(store, config, date)));
      seconds.put(
          "sampling", progress.timed("sampling", () -> SamplingJob.run(store, config, date)));
      seconds.put("train", progress.timed("train", () -> TrainJob.run(store, config, date)));
      seconds.put("export", progress.timed("export", () -> ExportJob.run(store, config, date)));
      // A full GC leaves what stays reachable from one day to the next.
      ManagementFactory.getMemoryMXBean().gc();
      long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      // The GC has found the day's unreachable ND4J arrays; ND4J's deallocator thread frees their
      // native buffers just after it. Then what they held goes back to the OS.
      sleepQuietly(1000);
      ProcessMemory.trimNativeHeap();
      ProcessMemory.Resident resident = ProcessMemory.resident(ProcessHandle.current().pid());
      Day result =
          new Day(
              day,
              seconds,
              heap,
              resident.nowBytes(),
              resident.peakBytes(),
              ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getUsed(),
              org.bytedeco.javacpp.Pointer.totalBytes());
      measured.add(result);
      LOG.info(
          "{}{}",
          line(result),
          peakReset ? "" : " (peak RSS could not be reset: it is the peak since start)");
      // Rewritten after every day, so a stopped run keeps what it measured.
      files.writeString(folder.resolve("summary.csv"), csv(measured));
    }
    Soak soak = verdict(measured);
    System.out.print(table(soak));
    SoakPlot.write(files, folder.resolve("memory-by-day.png"), measured);
    LOG.info("wrote {}", folder);
    return soak;
  }

  /**
   * Resets this process's VmHWM to its current RSS (Linux 4.0+: "5" to clear_refs), so that each
   * day's peak is that day's; false where refused or not Linux.
   */
  static boolean resetPeakRss() {
    try {
      java.nio.file.Files.writeString(java.nio.file.Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The growth fit over the days after the warm-up (all days when there are no more). */
  Soak verdict(List<Day> measured) {
    List<Day> fitted =
        measured.size() > warmUpDays + 1 ? measured.subList(warmUpDays, measured.size()) : measured;
    double heapSlope = slopeMb(fitted, Day::heapAfterGcBytes);
    double rssSlope = slopeMb(fitted, Day::rssBytes);
    return new Soak(
        measured,
        heapSlope,
        rssSlope,
        slopeMb(fitted, Day::peakRssBytes),
        heapSlope <= maxSlopeMb && rssSlope <= maxSlopeMb);
  }

  /** Least-squares slope of {@code value} (bytes) over the days' positions, in MB per day. */
  static double slopeMb(List<Day> days, java.util.function.ToLongFunction<Day> value) {
    int n = days.size();
    if (n < 2) {
      return 0;
    }
    double meanX = (n - 1) / 2.0;
    double meanY = days.stream().mapToLong(value).average().orElse(0) / 1e6;
    double num = 0;
    double den = 0;
    for (int i = 0; i < n; i++) {
      double y = value.applyAsLong(days.get(i)) / 1e6;
      num += (i - meanX) * (y - meanY);
      den += (i - meanX) * (i - meanX);
    }
    return num / den;
  }

  private static String line(Day day) {
    StringBuilder s = new StringBuilder("day " + day.day() + ":");
    day.seconds()
        .forEach((stage, sec) -> s.append(String.format(Locale.ROOT, " %s %.1f s,", stage, sec)));
    return s.append(
            String.format(
                Locale.ROOT,
                " heap after GC %d MB, RSS after GC %d MB, peak RSS %d MB, JVM non-heap %d MB,"
                    + " JavaCPP %d MB",
                mb(day.heapAfterGcBytes()),
                mb(day.rssBytes()),
                mb(day.peakRssBytes()),
                mb(day.nonHeapBytes()),
                mb(day.javacppBytes())))
        .toString();
  }

  /** The console table: one line per day, then the slopes and the verdict. */
  String table(Soak soak) {
    StringBuilder t = new StringBuilder();
    t.append(
        String.format(
            Locale.ROOT,
            "%nSoak: %d daily runs at --scale %s, one JVM (driver and local executors)%n",
            soak.days().size(),
            scale));
    t.append(String.format(Locale.ROOT, "%-10s", "day"));
    STAGES.forEach(stage -> t.append(String.format(Locale.ROOT, " %9s", stage + " s")));
    t.append(
        String.format(
            Locale.ROOT,
            " %14s %13s %13s %13s %11s%n",
            "heap(GC) MB",
            "RSS(GC) MB",
            "peak RSS MB",
            "non-heap MB",
            "JavaCPP MB"));
    for (Day day : soak.days()) {
      t.append(String.format(Locale.ROOT, "%-10s", day.day()));
      STAGES.forEach(
          stage -> t.append(String.format(Locale.ROOT, " %9.1f", day.seconds().get(stage))));
      t.append(
          String.format(
              Locale.ROOT,
              " %14d %13d %13d %13d %11d%n",
              mb(day.heapAfterGcBytes()),
              mb(day.rssBytes()),
              mb(day.peakRssBytes()),
              mb(day.nonHeapBytes()),
              mb(day.javacppBytes())));
    }
    t.append(
        String.format(
            Locale.ROOT,
            "slope over days %d..%d: heap after GC %+.1f MB/day, RSS after GC %+.1f MB/day"
                + " (rule: both <= %.1f MB/day) -> %s; peak RSS %+.1f MB/day (garbage not yet"
                + " collected, not in the rule)%n",
            soak.days().size() > warmUpDays + 1 ? warmUpDays + 1 : 1,
            soak.days().size(),
            soak.heapSlopeMb(),
            soak.rssSlopeMb(),
            maxSlopeMb,
            soak.noGrowth() ? "no growth" : "GROWTH",
            soak.peakRssSlopeMb()));
    return t.toString();
  }

  /** summary.csv: one row per day. */
  static String csv(List<Day> measured) {
    StringBuilder csv = new StringBuilder("day");
    STAGES.forEach(stage -> csv.append(',').append(stage).append("_seconds"));
    csv.append(
        ",heap_after_gc_bytes,rss_after_gc_bytes,peak_rss_bytes,non_heap_bytes,javacpp_bytes\n");
    for (Day day : measured) {
      csv.append(day.day());
      STAGES.forEach(
          stage -> csv.append(String.format(Locale.ROOT, ",%.3f", day.seconds().get(stage))));
      csv.append(
          String.format(
              Locale.ROOT,
              ",%d,%d,%d,%d,%d%n",
              day.heapAfterGcBytes(),
              day.rssBytes(),
              day.peakRssBytes(),
              day.nonHeapBytes(),
              day.javacppBytes()));
    }
    return csv.toString();
  }

  private static long mb(long bytes) {
    return bytes < 0 ? -1 : Math.round(bytes / 1e6);
  }
}
