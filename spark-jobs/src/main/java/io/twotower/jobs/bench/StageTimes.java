package io.twotower.jobs.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;

/**
 * Where a Spark run's time goes, from the listener bus: every completed stage with its wall time
 * and its tasks' metrics summed (run, CPU, deserialisation, result serialisation, GC, shuffle write
 * and fetch wait), each stage put in a {@link Category} by its name (Spark names a stage after the
 * user code that created its RDD: {@code fold at SparkTrainer.java:...}).
 */
final class StageTimes extends SparkListener {

  /** The parts of the train stage's path a stage can belong to. */
  enum Category {
    SHUFFLE("placing the examples once, map side (read joined examples, hash, write)"),
    BATCHES("placing (shuffle read, sort, encode, keep); per epoch: shuffle in place, batch"),
    FIT("fit + parameter averaging (DL4J tasks)"),
    OTHER("other Spark work (Delta reads, join, counts, save)");

    final String description;

    Category(String description) {
      this.description = description;
    }
  }

  /** One completed stage. Times in seconds; task sums over all its tasks. */
  record Stage(
      int id,
      String name,
      Category category,
      int tasks,
      double startSeconds,
      double endSeconds,
      double taskSeconds,
      double runSeconds,
      double cpuSeconds,
      double deserializeSeconds,
      double resultSerializeSeconds,
      double gcSeconds,
      double shuffleWriteSeconds,
      double fetchWaitSeconds) {
    double wallSeconds() {
      return endSeconds - startSeconds;
    }
  }

  private final Map<Integer, double[]> taskSums = new ConcurrentHashMap<>();
  private final Map<Integer, long[]> shuffleBytes = new ConcurrentHashMap<>();
  private final List<Stage> stages = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger jobs = new AtomicInteger();

  @Override
  public void onJobStart(SparkListenerJobStart jobStart) {
    jobs.incrementAndGet();
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    TaskMetrics m = taskEnd.taskMetrics();
    if (m == null) {
      return;
    }
    double[] sum = taskSums.computeIfAbsent(taskEnd.stageId(), id -> new double[8]);
    synchronized (sum) {
      sum[0] += 1;
      sum[1] += taskEnd.taskInfo().duration() / 1e3;
      sum[2] += m.executorRunTime() / 1e3;
      sum[3] += m.executorCpuTime() / 1e9;
      sum[4] += m.executorDeserializeTime() / 1e3;
      sum[5] += m.resultSerializationTime() / 1e3;
      sum[6] += m.jvmGCTime() / 1e3;
      sum[7] += m.shuffleWriteMetrics().writeTime() / 1e9;
    }
    long[] bytes = shuffleBytes.computeIfAbsent(taskEnd.stageId(), id -> new long[2]);
    synchronized (bytes) {
      bytes[0] += m.shuffleWriteMetrics().bytesWritten();
      bytes[1] += m.shuffleReadMetrics().fetchWaitTime();
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted completed) {
    StageInfo info = completed.stageInfo();
    double[] sum = taskSums.getOrDefault(info.stageId(), new double[8]);
    long[] bytes = shuffleBytes.getOrDefault(info.stageId(), new long[2]);
    double start = info.submissionTime().isDefined() ? (Long) info.submissionTime().get() / 1e3 : 0;
    double end =
        info.completionTime().isDefined() ? (Long) info.completionTime().get() / 1e3 : start;
    stages.add(
        new Stage(
            info.stageId(),
            info.name(),
            category(info.name(), bytes[0] > 0),
            (int) sum[0],
            start,
            end,
            sum[1],
            sum[2],
            sum[3],
            sum[4],
            sum[5],
            sum[6],
            sum[7],
            bytes[1] / 1e3));
  }

  /** The category of a stage named {@code name}; {@code writesShuffle}: a shuffle map stage. */
  static Category category(String name, boolean writesShuffle) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.contains("deeplearning4j")
        || n.contains("parameteraveraging")
        || n.contains("sparkcomputationgraph")
        || n.contains("sparkdl4j")) {
      return Category.FIT;
    }
    if (n.contains("epochbatches") || n.contains("sparktrainer") || n.contains("epochrounds")) {
      return writesShuffle ? Category.SHUFFLE : Category.BATCHES;
    }
    return Category.OTHER;
  }

  int jobs() {
    return jobs.get();
  }

  List<Stage> stages() {
    synchronized (stages) {
      return stages.stream().sorted(Comparator.comparingInt(Stage::id)).toList();
    }
  }

  /**
   * Per category: [stages, tasks, wall, task, run, cpu, deserialize, result ser., gc, shuffle
   * write, fetch wait].
   */
  Map<Category, double[]> byCategory() {
    Map<Category, double[]> out = new LinkedHashMap<>();
    for (Category c : Category.values()) {
      out.put(c, new double[11]);
    }
    for (Stage s : stages()) {
      double[] t = out.get(s.category());
      t[0] += 1;
      t[1] += s.tasks();
      t[2] += s.wallSeconds();
      t[3] += s.taskSeconds();
      t[4] += s.runSeconds();
      t[5] += s.cpuSeconds();
      t[6] += s.deserializeSeconds();
      t[7] += s.resultSerializeSeconds();
      t[8] += s.gcSeconds();
      t[9] += s.shuffleWriteSeconds();
      t[10] += s.fetchWaitSeconds();
    }
    return out;
  }

  /**
   * Seconds within [from, to] (epoch seconds) during which no stage ran: the driver's own time
   * (DL4J's averaging and broadcast set-up, checkpoints, job scheduling) between Spark stages.
   */
  double idleSeconds(double from, double to) {
    List<double[]> spans =
        stages().stream()
            .map(s -> new double[] {Math.max(from, s.startSeconds()), Math.min(to, s.endSeconds())})
            .filter(s -> s[1] > s[0])
            .sorted(Comparator.comparingDouble(s -> s[0]))
            .toList();
    double busy = 0;
    double reach = from;
    for (double[] s : spans) {
      double begin = Math.max(reach, s[0]);
      if (s[1] > begin) {
        busy += s[1] - begin;
        reach = s[1];
      }
    }
    return (to - from) - busy;
  }
}
