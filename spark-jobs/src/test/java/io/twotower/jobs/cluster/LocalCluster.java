package io.twotower.jobs.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.twotower.jobs.FreePorts;
import io.twotower.jobs.SharedData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A Spark standalone cluster (a Master and two Workers, each its own JVM) started with {@code
 * spark-jobs/bin/local-cluster}, and spark-submit runs of the shaded jar against it with the
 * README's own command line: the README's "Cluster" section defines {@code SUBMIT="..."}, and
 * {@link #submit} runs that definition as written, in bash, from the repository's root.
 *
 * <p>The cluster runs with Spark authentication: each start makes up a random secret and hands it
 * to the script in {@code SPARK_AUTH_SECRET}, as the README's user exports it; {@link #submit(Path,
 * List)} gives it to the driver the same way.
 *
 * <p>The script installs Spark (the pyspark wheel) into {@code spark-jobs/target/venv-pyspark}
 * once; every test class that starts a cluster shares it. {@link #close} stops the cluster; a
 * shutdown hook does it too, so that an aborted test run leaves no daemons behind.
 */
final class LocalCluster implements AutoCloseable {

  static final Path ROOT = SharedData.repositoryRoot();
  static final Path SCRIPT = ROOT.resolve("spark-jobs/bin/local-cluster");
  static final Path README = ROOT.resolve("README.md");

  /**
   * A small synthetic log and model (SyntheticPipelineIT's sizes) that trains in well under a
   * minute on two single-core executors and still beats popularity: 300 users, 300 held-out events,
   * about 7,200 training examples, 16 averaging rounds.
   */
  static final Map<String, String> SMALL =
      orderedMap(
          "synthetic.users", "300",
          "synthetic.items", "400",
          "synthetic.channels", "40",
          "synthetic.events-per-user", "25",
          "synthetic.days", "4",
          "features.history-length", "20",
          "train.batch-size", "128",
          "train.epochs", "8",
          "train.splits-per-epoch", "2",
          "train.item-embedding-dim", "16",
          "train.field-embedding-dim", "4",
          "train.query-hidden", "[32]",
          "train.item-hidden", "[32]",
          "train.output-dim", "16",
          "export.top-k", "10");

  /** Installing pyspark (about 300 MB) the first time, then starting three JVMs. */
  private static final Duration START_TIMEOUT = Duration.ofMinutes(6);

  private static final Duration STOP_TIMEOUT = Duration.ofMinutes(2);

  /**
   * The JIT option of the tests' drivers and executors: they live a few minutes on a few thousand
   * rows, too short for C2's compilations to pay back (see ScheduleIT: it halved the CPU time of
   * each spark-submit there, and training reached the same loss to the last digit).
   */
  static final String SHORT_LIVED_JVM = "-XX:TieredStopAtLevel=1";

  /** The variable the script and the driver read the cluster's secret from. */
  static final String SECRET_VARIABLE = "SPARK_AUTH_SECRET";

  private final Path dir;
  private final String masterUrl;
  private final String secret;
  private final Thread stopOnExit;

  private LocalCluster(Path dir, String masterUrl, String secret) {
    this.dir = dir;
    this.masterUrl = masterUrl;
    this.secret = secret;
    this.stopOnExit = new Thread(this::stop, "local-cluster-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
  }

  /**
   * Starts a cluster whose pid files, logs and executor folders live under {@code dir}; the
   * script's own output goes next to that folder. Whatever fails after the script ran stops the
   * cluster again, so that no daemons outlive a failed start. The Master's ports are free ones
   * chosen here, not the script's 7077 and 8080: the integration tests run in two JVMs at once, and
   * two clusters starting together would both find 7077 free.
   */
  static LocalCluster start(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path out = dir.resolveSibling(dir.getFileName() + "-start.out");
    String secret = newSecret();
    try {
      int exit =
          script(
              "start",
              dir,
              out,
              START_TIMEOUT,
              Map.of(
                  SECRET_VARIABLE,
                  secret,
                  "LOCAL_CLUSTER_MASTER_PORT",
                  String.valueOf(FreePorts.any()),
                  "LOCAL_CLUSTER_WEBUI_PORT",
                  String.valueOf(FreePorts.any())));
      List<String> lines = Files.readAllLines(out, UTF_8);
      String url = lines.isEmpty() ? "" : lines.get(lines.size() - 1).trim();
      if (exit != 0 || !url.startsWith("spark://127.0.0.1:")) {
        throw new IllegalStateException(
            "local-cluster start failed (exit "
                + exit
                + "): "
                + String.join("\n", lines)
                + "\n"
                + Files.readString(errorFile(out), UTF_8));
      }
      return new LocalCluster(dir, url, secret);
    } catch (IOException | RuntimeException | InterruptedException e) {
      script(
          "stop", dir, dir.resolveSibling(dir.getFileName() + "-stop.out"), STOP_TIMEOUT, Map.of());
      throw e;
    }
  }

  /** Stops a cluster that an earlier, aborted run may have left running under {@code dir}. */
  static void stopLeftovers(Path dir) throws IOException, InterruptedException {
    if (Files.isDirectory(dir)) {
      script(
          "stop", dir, dir.resolveSibling(dir.getFileName() + "-stop.out"), STOP_TIMEOUT, Map.of());
    }
  }

  String masterUrl() {
    return masterUrl;
  }

  /** The secret this cluster was started with (32 hex digits, new for every start). */
  String secret() {
    return secret;
  }

  /** A random token of 32 hex digits, as {@code openssl rand -hex 16} would make. */
  static String newSecret() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** {@link #submit(String, Path, List, Map)} to this cluster, with its secret exported. */
  Submission submit(Path runDir, List<String> args) throws IOException {
    return submit(masterUrl, runDir, args, Map.of(SECRET_VARIABLE, secret));
  }

  /** The workers' work folders: each executor runs (and writes its stdout/stderr) below them. */
  Path workDir() {
    return dir.resolve("work");
  }

  /** Executors of this cluster's applications now running, by Spark executor id. */
  Map<String, ProcessHandle> executors() {
    return ProcessHandle.allProcesses()
        .filter(p -> runsIn(p, workDir()))
        .map(p -> Map.entry(p, commandLine(p)))
        .filter(e -> e.getValue().contains("CoarseGrainedExecutorBackend"))
        .collect(Collectors.toMap(e -> executorId(e.getKey(), e.getValue()), Map.Entry::getKey));
  }

  private static boolean runsIn(ProcessHandle process, Path folder) {
    try {
      return workingDirectory(process).startsWith(folder);
    } catch (IOException | SecurityException e) {
      return false; // gone, or not ours
    }
  }

  /** The process's working directory; an executor's is its folder under the work dir. */
  static Path workingDirectory(ProcessHandle process) throws IOException {
    return Files.readSymbolicLink(Path.of("/proc", Long.toString(process.pid()), "cwd"));
  }

  /** The executor's {@code --executor-id}, or its pid when its command line has none. */
  private static String executorId(ProcessHandle executor, String commandLine) {
    Matcher id = Pattern.compile("--executor-id (\\S+)").matcher(commandLine);
    return id.find() ? id.group(1) : "pid " + executor.pid();
  }

  /**
   * The whole command line, from {@code /proc/PID/cmdline} ("" when gone): the JDK's {@code
   * ProcessHandle.Info.commandLine()} reads only its first page, and the executors' JVM options
   * (the properties file's defaultJavaOptions) fill more than that, main class and arguments
   * included.
   */
  private static String commandLine(ProcessHandle process) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline"), UTF_8)
          .replace('\0', ' ');
    } catch (IOException gone) {
      return "";
    }
  }

  /**
   * Starts {@code $SUBMIT args...} with the README's definition of SUBMIT and the given master
   * (this cluster's URL, or e.g. {@code local[2]}), {@code environment} added to the environment
   * (which has no {@code SPARK_AUTH_SECRET} otherwise). The run's stdout and stderr go to {@code
   * runDir}; Spark's event log to {@code runDir/events}, set as system properties of the driver
   * through SPARK_SUBMIT_OPTS, so that the command line stays the README's (its --properties-file
   * replaces any spark-defaults.conf of SPARK_CONF_DIR). The same way, the driver's and the
   * executors' JIT stays at C1 ({@link #SHORT_LIVED_JVM}).
   */
  static Submission submit(
      String master, Path runDir, List<String> args, Map<String, String> environment)
      throws IOException {
    return submit(readmeSubmitDefinition(), master, runDir, args, environment);
  }

  /** {@link #submit(String, Path, List, Map)} with another definition of SUBMIT. */
  static Submission submit(
      String definition,
      String master,
      Path runDir,
      List<String> args,
      Map<String, String> environment)
      throws IOException {
    Path events = Files.createDirectories(runDir.resolve("events"));
    String script =
        "set -euo pipefail\n"
            + "export SPARK_LOCAL_IP=127.0.0.1\n"
            + "MASTER="
            + quoted(master)
            + "\n"
            + definition
            + "\n"
            + "$SUBMIT "
            + args.stream().map(LocalCluster::quoted).collect(Collectors.joining(" "))
            + "\n";
    Files.writeString(runDir.resolve("submit.sh"), script, UTF_8);
    ProcessBuilder builder =
        new ProcessBuilder("bash", runDir.resolve("submit.sh").toString())
            .directory(ROOT.toFile())
            .redirectOutput(runDir.resolve("stdout.txt").toFile())
            .redirectError(runDir.resolve("stderr.txt").toFile());
    builder
        .environment()
        .put(
            "SPARK_SUBMIT_OPTS",
            "-Dspark.eventLog.enabled=true -Dspark.eventLog.dir="
                + events.toUri()
                + " "
                + SHORT_LIVED_JVM
                + " -Dspark.executor.extraJavaOptions="
                + SHORT_LIVED_JVM);
    // local[2] trains in the driver: one OpenMP thread per task there too, as on the executors.
    builder.environment().put("OMP_NUM_THREADS", "1");
    builder.environment().remove(SECRET_VARIABLE);
    builder.environment().putAll(environment);
    return new Submission(builder.start(), runDir, events);
  }

  /**
   * The {@code SUBMIT="..."} definition (with its continuation lines) from the README's "Cluster"
   * section: the command line users copy is the one the tests run.
   */
  static String readmeSubmitDefinition() throws IOException {
    String section = readmeClusterSection();
    Matcher definition = Pattern.compile("(?m)^SUBMIT=\"[^\"]*\"$").matcher(section);
    if (!definition.find()) {
      throw new IllegalStateException("README.md's ## Cluster section has no SUBMIT=\"...\" line");
    }
    return definition.group();
  }

  /** The README's "## Cluster" section, up to the next second-level heading. */
  static String readmeClusterSection() throws IOException {
    String readme = Files.readString(README, UTF_8);
    int start = readme.indexOf("\n## Cluster\n");
    if (start < 0) {
      throw new IllegalStateException("README.md has no ## Cluster section");
    }
    int end = readme.indexOf("\n## ", start + 1);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  /** {@code stage --config conf/local.conf --data-dir DATA --set k=v...} with {@link #SMALL}. */
  static List<String> smallRun(String stage, Path data) {
    List<String> args =
        new ArrayList<>(
            List.of(stage, "--config", "conf/local.conf", "--data-dir", data.toString()));
    SMALL.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
    return args;
  }

  private static Map<String, String> orderedMap(String... keysAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return Collections.unmodifiableMap(map);
  }

  private static String quoted(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException alreadyExiting) {
      // the hook is running or has run
    }
  }

  private void stop() {
    try {
      script(
          "stop", dir, dir.resolveSibling(dir.getFileName() + "-stop.out"), STOP_TIMEOUT, Map.of());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int script(
      String command, Path dir, Path out, Duration timeout, Map<String, String> environment)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(SCRIPT.toString(), command)
            .directory(ROOT.toFile())
            .redirectOutput(out.toFile())
            .redirectError(errorFile(out).toFile());
    builder.environment().put("LOCAL_CLUSTER_DIR", dir.toString());
    builder.environment().putAll(environment);
    Process process = builder.start();
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("local-cluster " + command + " took over " + timeout);
    }
    return process.exitValue();
  }

  /** One training progress line: epoch and split (1-based), examples, examples/s, loss. */
  record Split(int epoch, int split, long examples, double perSecond, double loss) {
    static final Pattern LINE =
        Pattern.compile(
            "train: epoch (\\d+)/\\d+ split (\\d+)/\\d+: ([\\d,]+) examples, ([\\d,.]+)"
                + " examples/s, loss ([-\\d.]+)");

    /**
     * Examples per second of fitting over {@code splits} (total examples over total fit time), from
     * epoch {@code fromEpoch} on: the first epoch also pays for JIT compilation.
     */
    static double throughput(List<Split> splits, int fromEpoch) {
      double examples = 0;
      double seconds = 0;
      for (Split split : splits) {
        if (split.epoch() >= fromEpoch) {
          examples += split.examples();
          seconds += split.examples() / split.perSecond();
        }
      }
      return examples / seconds;
    }
  }

  private static Path errorFile(Path out) {
    return out.resolveSibling(out.getFileName() + ".err");
  }

  /** A running (or finished) spark-submit. */
  record Submission(Process process, Path runDir, Path events) {

    Path stdout() {
      return runDir.resolve("stdout.txt");
    }

    Path stderr() {
      return runDir.resolve("stderr.txt");
    }

    /** Waits for the run; fails with its output's tail when it fails or takes too long. */
    Submission await(Duration timeout) throws IOException, InterruptedException {
      if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        stop();
        throw new AssertionError("spark-submit ran over " + timeout + "\n" + tails());
      }
      if (process.exitValue() != 0) {
        throw new AssertionError(
            "spark-submit exited with " + process.exitValue() + "\n" + tails());
      }
      return this;
    }

    /** Kills the run (spark-submit and its driver) if it is still running. */
    void stop() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }

    /** The driver's stdout: progress lines and result tables. */
    List<String> output() throws IOException {
      return lines(stdout());
    }

    /** Waits until a line of stdout matches, or the run ends (then empty). */
    Optional<String> awaitLine(Pattern line, Duration timeout)
        throws IOException, InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        Optional<String> found = output().stream().filter(l -> line.matcher(l).find()).findFirst();
        if (found.isPresent() || !process.isAlive()) {
          return found;
        }
        Thread.sleep(200);
      }
      return Optional.empty();
    }

    /** The progress lines of training, one per split (ProgressReporter's format). */
    List<Split> splits() throws IOException {
      List<Split> splits = new ArrayList<>();
      for (String line : output()) {
        Matcher m = Split.LINE.matcher(line);
        if (m.find()) {
          splits.add(
              new Split(
                  Integer.parseInt(m.group(1)),
                  Integer.parseInt(m.group(2)),
                  Long.parseLong(m.group(3).replace(",", "")),
                  Double.parseDouble(m.group(4).replace(",", "")),
                  Double.parseDouble(m.group(5))));
        }
      }
      return splits;
    }

    /** Spark's event log of the run (one application per run folder). */
    EventLog eventLog() throws IOException {
      return EventLog.read(eventLogFile());
    }

    /** The file of {@link #eventLog}. */
    Path eventLogFile() throws IOException {
      try (var files = Files.list(events)) {
        List<Path> logs = files.filter(Files::isRegularFile).toList();
        if (logs.size() != 1) {
          throw new AssertionError("expected one event log in " + events + ", found " + logs);
        }
        return logs.get(0);
      }
    }

    /** Lines of a file still being written (a torn last character decodes as U+FFFD). */
    private static List<String> lines(Path file) throws IOException {
      return new String(Files.readAllBytes(file), UTF_8).lines().toList();
    }

    private String tails() throws IOException {
      return "--- stdout (tail) ---\n"
          + tail(stdout(), 30)
          + "\n--- stderr (tail) ---\n"
          + tail(stderr(), 60);
    }

    private static String tail(Path file, int lines) throws IOException {
      List<String> all = lines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
  }
}
