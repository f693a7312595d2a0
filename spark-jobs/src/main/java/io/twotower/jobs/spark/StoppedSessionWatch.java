package io.twotower.jobs.spark;

import java.time.Duration;
import java.util.Objects;
import org.apache.spark.SparkContext;

/**
 * Ends a stage that Spark left hanging after stopping its session under it. When a standalone
 * master refuses a driver, Spark gives up and stops the SparkContext from another thread while the
 * stage runs; usually what the stage does next fails at once ("stopped SparkContext"). But a
 * broadcast being written at that moment can deadlock in Spark 3.5: its blocks fail to store (the
 * stop deletes their directory) and removing them waits forever for a lock the failed write still
 * holds (seen in LocalClusterIT: the refused driver's main thread parked in {@code
 * BlockInfoManager.acquireLock} under {@code TorrentBroadcast.writeBlocks}). This daemon thread
 * watches the context; if it stops while the watch is open and the stage has not ended {@code
 * grace} later, it calls {@code onHang} (the CLI prints the stopped-session error and exits).
 */
public final class StoppedSessionWatch implements AutoCloseable {
  private static final long POLL_MILLIS = 500;

  private final Thread thread;
  private volatile boolean open = true;

  private StoppedSessionWatch(SparkContext context, Duration grace, Runnable onHang) {
    thread =
        new Thread(
            () -> {
              try {
                while (open && !context.isStopped()) {
                  Thread.sleep(POLL_MILLIS);
                }
                Thread.sleep(grace.toMillis());
                if (open) {
                  onHang.run();
                }
              } catch (InterruptedException closed) {
                Thread.currentThread().interrupt();
              }
            },
            "stopped-session-watch");
    thread.setDaemon(true);
  }

  /** Watches {@code context} until {@link #close}. */
  public static StoppedSessionWatch start(SparkContext context, Duration grace, Runnable onHang) {
    StoppedSessionWatch watch =
        new StoppedSessionWatch(
            Objects.requireNonNull(context, "context"),
            Objects.requireNonNull(grace, "grace"),
            Objects.requireNonNull(onHang, "onHang"));
    watch.thread.start();
    return watch;
  }

  /** The stage ended (or failed on its own): nothing to do any more. */
  @Override
  public void close() {
    open = false;
    thread.interrupt();
  }
}
