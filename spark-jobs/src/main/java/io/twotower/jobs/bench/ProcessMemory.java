package io.twotower.jobs.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Peak resident memory of a process from Linux's {@code /proc/<pid>/status}: {@code VmHWM}, the
 * high-water mark of the resident set (heap, off-heap and native libraries alike), which the kernel
 * keeps for the process's whole life. It vanishes with the process, so a parent polls its children
 * while they run ({@link Poller}) and each JVM also reads its own at the end.
 */
final class ProcessMemory {

  private ProcessMemory() {}

  /** The {@code VmHWM} of a status file's text, in bytes; empty when it has none (not Linux). */
  static OptionalLong peakResidentBytes(String status) {
    return statusBytes(status, "VmHWM:");
  }

  /** A process's resident bytes now ({@code VmRSS}) and its peak since start or reset. */
  record Resident(long nowBytes, long peakBytes) {
    /** Both unknown (-1): the process is gone or this is not Linux. */
    static final Resident UNKNOWN = new Resident(-1, -1);
  }

  /** The resident set now and its peak, from one reading of a process's status file. */
  static Resident resident(long pid) {
    return fromStatus(pid, ProcessMemory::resident, Resident.UNKNOWN);
  }

  /**
   * The resident set and its peak in a status file's text. The peak is at least the resident set:
   * the kernel syncs its per-thread counters lazily, so {@code VmHWM} can lag a few pages behind
   * {@code VmRSS}.
   */
  static Resident resident(String status) {
    OptionalLong now = statusBytes(status, "VmRSS:");
    OptionalLong peak = peakResidentBytes(status);
    if (now.isEmpty() || peak.isEmpty()) {
      return Resident.UNKNOWN;
    }
    return new Resident(now.getAsLong(), Math.max(now.getAsLong(), peak.getAsLong()));
  }

  private static OptionalLong statusBytes(String status, String key) {
    for (String line : status.split("\n")) {
      if (line.startsWith(key)) {
        String[] parts = line.substring(key.length()).trim().split("\\s+");
        long value = Long.parseLong(parts[0]);
        String unit = parts.length > 1 ? parts[1] : "kB";
        if (!unit.equalsIgnoreCase("kB")) {
          throw new IllegalArgumentException(key + " in unexpected unit " + unit + ": " + line);
        }
        return OptionalLong.of(value * 1024);
      }
    }
    return OptionalLong.empty();
  }

  /** The process's peak resident bytes now, or empty when it is gone or this is not Linux. */
  static OptionalLong peakResidentBytes(long pid) {
    return fromStatus(pid, ProcessMemory::peakResidentBytes, OptionalLong.empty());
  }

  /** {@code read} of the process's status file, or {@code unknown} when it cannot be read. */
  private static <T> T fromStatus(long pid, Function<String, T> read, T unknown) {
    try {
      return read.apply(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    } catch (IOException | RuntimeException e) {
      return unknown;
    }
  }

  /**
   * Returns the C heap's free memory to the OS (glibc's {@code malloc_trim}, through the JVM's
   * {@code System.trim_native_heap} diagnostic command: JDK 17.0.9 and later, on glibc). Without it
   * the RSS keeps memory that native code has freed: ND4J frees an array's buffer only when the GC
   * finds the array, in bursts, and glibc holds on to such freed chunks. Does nothing where the JVM
   * has no such command.
   */
  static void trimNativeHeap() {
    try {
      ManagementFactory.getPlatformMBeanServer()
          .invoke(
              new ObjectName("com.sun.management:type=DiagnosticCommand"),
              "systemTrimNativeHeap",
              new Object[] {new String[0]},
              new String[] {String[].class.getName()});
    } catch (JMException | RuntimeException e) {
      // An older JVM, or not glibc: the RSS keeps what native code freed.
    }
  }

  /** This JVM's peak resident bytes so far (empty off Linux). */
  static OptionalLong selfPeakResidentBytes() {
    return peakResidentBytes(ProcessHandle.current().pid());
  }

  /** "1.23 GB", or "n/a" for an unknown value (negative). */
  static String gigabytes(long bytes) {
    return bytes < 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%.2f GB", bytes / 1e9);
  }

  /**
   * Polls a process and its descendants every {@code periodMillis} until it exits, keeping the
   * largest VmHWM seen per process; the peak of the whole tree is the largest sum of the
   * descendants' marks at one poll, bounded below by the largest single one.
   *
   * <p>A descendant that still runs the polled process's own executable is left out: a JVM starts a
   * command (Hadoop's and Spark's shell calls) by a vfork, and until the child execs it shares the
   * JVM's memory and its status shows the JVM's resident set. Counted, it doubled a 7.04 GB train
   * stage to 14.08 GB in one run.
   */
  static final class Poller implements AutoCloseable {
    private final Process process;
    private final Thread thread;
    private volatile long peak = -1;

    Poller(Process process, long periodMillis) {
      this.process = process;
      this.thread =
          new Thread(
              () -> {
                while (process.isAlive()) {
                  sample();
                  try {
                    Thread.sleep(periodMillis);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "rss-poller-" + process.pid());
      thread.setDaemon(true);
      thread.start();
    }

    private void sample() {
      long sum = 0;
      OptionalLong own = peakResidentBytes(process.pid());
      if (own.isPresent()) {
        sum += own.getAsLong();
      }
      Optional<String> executable = process.info().command();
      for (ProcessHandle child : process.descendants().toList()) {
        if (executable.isEmpty() || !child.info().command().equals(executable)) {
          sum += peakResidentBytes(child.pid()).orElse(0);
        }
      }
      if (sum > 0) {
        peak = Math.max(peak, sum);
      }
    }

    /** The largest VmHWM seen, in bytes; -1 when never read. */
    long peakBytes() {
      return peak;
    }

    @Override
    public void close() {
      thread.interrupt();
    }
  }
}
