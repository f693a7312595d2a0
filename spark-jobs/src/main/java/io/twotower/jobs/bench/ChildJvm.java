package io.twotower.jobs.bench;

import java.io.IOException;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Runs one part of the benchmark as a child JVM: a {@code main} of this jar, with this JVM's class
 * path and options (the launcher's heap and ND4J off-heap limits, the --add-opens list) and an
 * environment of its own. Two reasons: OpenMP reads {@code OMP_NUM_THREADS} once, when ND4J's
 * native library loads, so a thread count must be set before the JVM starts; and each part's peak
 * resident memory is then its own process's, not mixed with the others'. The child writes its
 * results as a properties file; its output goes to this one's, so progress stays visible.
 */
final class ChildJvm {

  /** What a child reported, and the peak resident memory polled while it ran (bytes, -1: n/a). */
  record Outcome(Properties results, long polledPeakBytes) {
    double number(String key) {
      String value = results.getProperty(key);
      if (value == null) {
        throw new IllegalStateException("the child JVM reported no " + key + ": " + results);
      }
      return Double.parseDouble(value);
    }

    /** The child's own VmHWM when it reported one, else the polled peak. */
    long peakBytes() {
      String own = results.getProperty(PEAK_RSS_BYTES);
      return own != null ? Math.max(Long.parseLong(own), polledPeakBytes) : polledPeakBytes;
    }
  }

  /** Key of the child's own peak resident bytes in its results. */
  static final String PEAK_RSS_BYTES = "peak_rss_bytes";

  private ChildJvm() {}

  /**
   * Runs {@code mainClass} with {@code args} followed by a results file, and returns what it wrote
   * there. Fails when the child exits with a non-zero status.
   */
  static Outcome run(
      Class<?> mainClass, List<String> args, Map<String, String> environment, Path resultsFile)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(inheritedOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(args);
    command.add(resultsFile.toString());
    Files.deleteIfExists(resultsFile);
    ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
    builder.environment().putAll(environment);
    Process process = builder.start();
    long polled;
    try (ProcessMemory.Poller poller = new ProcessMemory.Poller(process, 250)) {
      int status = process.waitFor();
      polled = poller.peakBytes();
      if (status != 0) {
        throw new IllegalStateException(
            mainClass.getSimpleName() + " (child JVM) exited with status " + status);
      }
    } finally {
      process.destroy();
    }
    Properties results = new Properties();
    try (Reader in = Files.newBufferedReader(resultsFile, StandardCharsets.UTF_8)) {
      results.load(in);
    }
    return new Outcome(results, polled);
  }

  /**
   * The options a child inherits: heap, -D properties, -XX flags and the module openings; not
   * agents or debuggers (a second JVM would fight over their port).
   */
  static List<String> inheritedOptions(List<String> options) {
    return options.stream()
        .filter(o -> !o.startsWith("-agentlib") && !o.startsWith("-javaagent"))
        .filter(o -> !o.startsWith("-Xdebug") && !o.startsWith("-Xrunjdwp"))
        .toList();
  }

  /** Writes {@code results} (plus this JVM's peak resident bytes) for the parent to read. */
  static void report(Properties results, Path file) throws IOException {
    ProcessMemory.selfPeakResidentBytes()
        .ifPresent(b -> results.setProperty(PEAK_RSS_BYTES, Long.toString(b)));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      results.store(out, null);
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
