package io.twotower.jobs.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a Spark event log (spark.eventLog.enabled, one JSON event per line) says about executors and
 * tasks: which executor ran which task of which stage, and when executors came and went. The driver
 * writes it, so it records what Spark itself scheduled, not what a test infers from logs.
 */
record EventLog(List<Task> tasks, List<Executor> added, List<Executor> removed) {

  /**
   * One averaging round of DL4J's parameter averaging is one stage of this name: each task fits one
   * worker's partition from the broadcast parameters, the tree aggregation sums the results for the
   * driver to average. (Other stages of the same class only count or repartition.)
   */
  static final String FIT_STAGE = "treeAggregate at ParameterAveragingTrainingMaster";

  /**
   * One attempt of one task; {@code reason} is Spark's end reason ("Success", ...), {@code
   * launchedAt} when the driver sent it to its executor (epoch millis).
   */
  record Task(int stageId, String stageName, String executorId, String reason, long launchedAt) {
    boolean succeeded() {
      return reason.equals("Success");
    }

    boolean fit() {
      return stageName.contains(FIT_STAGE);
    }
  }

  /** An executor added or removed, at {@code at} (epoch millis), with Spark's reason if removed. */
  record Executor(String id, long at, String reason) {}

  static EventLog read(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    Map<Integer, String> stageNames = new HashMap<>();
    List<Task> tasks = new ArrayList<>();
    List<Executor> added = new ArrayList<>();
    List<Executor> removed = new ArrayList<>();
    try (BufferedReader lines = Files.newBufferedReader(file, UTF_8)) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        JsonNode event = json.readTree(line);
        switch (event.path("Event").asText()) {
          case "SparkListenerStageSubmitted" -> {
            JsonNode stage = event.path("Stage Info");
            stageNames.put(stage.path("Stage ID").asInt(), stage.path("Stage Name").asText());
          }
          case "SparkListenerTaskEnd" -> {
            int stageId = event.path("Stage ID").asInt();
            JsonNode info = event.path("Task Info");
            tasks.add(
                new Task(
                    stageId,
                    stageNames.getOrDefault(stageId, ""),
                    info.path("Executor ID").asText(),
                    event.path("Task End Reason").path("Reason").asText(),
                    info.path("Launch Time").asLong()));
          }
          case "SparkListenerExecutorAdded" ->
              added.add(
                  new Executor(
                      event.path("Executor ID").asText(), event.path("Timestamp").asLong(), ""));
          case "SparkListenerExecutorRemoved" ->
              removed.add(
                  new Executor(
                      event.path("Executor ID").asText(),
                      event.path("Timestamp").asLong(),
                      event.path("Removed Reason").asText()));
          default -> {}
        }
      }
    }
    return new EventLog(tasks, added, removed);
  }

  /**
   * Whether the running application's event log (the {@code .inprogress} file in {@code events})
   * shows a job submitted after {@code since} (epoch ms) with a stage whose name contains {@code
   * stage} (e.g. {@link #FIT_STAGE}, an averaging round; "" for any job). The driver flushes the
   * log at every job start, so this is seen while the job's tasks start.
   */
  static boolean jobStartedSince(Path events, long since, String stage) throws IOException {
    ObjectMapper json = new ObjectMapper();
    try (var files = Files.list(events)) {
      for (Path file : files.toList()) {
        for (String line : Files.readAllLines(file, UTF_8)) {
          if (!line.contains("\"SparkListenerJobStart\"") || !line.contains(stage)) {
            continue;
          }
          JsonNode event;
          try {
            event = json.readTree(line);
          } catch (IOException torn) {
            continue; // the last line, still being written
          }
          if (event.path("Submission Time").asLong() > since) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * Successful fit tasks per executor id, of those launched after {@code since} (epoch ms). Not
   * those that ended after it: an executor killed at {@code since} may have sent a result just
   * before, which the driver records as ended a few milliseconds later (seen once in CI).
   */
  Map<String, Long> fitTasksByExecutor(long since) {
    Map<String, Long> counts = new TreeMap<>();
    for (Task task : tasks) {
      if (task.fit() && task.succeeded() && task.launchedAt() > since) {
        counts.merge(task.executorId(), 1L, Long::sum);
      }
    }
    return counts;
  }

  /** The executors that ran each averaging round's successful fit tasks, by stage id. */
  Map<Integer, Set<String>> executorsByRound() {
    Map<Integer, Set<String>> rounds = new TreeMap<>();
    for (Task task : tasks) {
      if (task.fit() && task.succeeded()) {
        rounds.computeIfAbsent(task.stageId(), id -> new TreeSet<>()).add(task.executorId());
      }
    }
    return rounds;
  }

  /** Task attempts that did not succeed, in the order they ended. */
  List<Task> failedTasks() {
    return tasks.stream().filter(t -> !t.succeeded()).toList();
  }
}
