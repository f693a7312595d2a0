package io.twotower.jobs.sampling;

import io.twotower.jobs.JobErrors;
import io.twotower.sampling.EstimatorSnapshots;
import io.twotower.sampling.GapEstimatorSettings;
import io.twotower.sampling.HashedGapEstimator;
import io.twotower.sampling.StreamingFrequencyEstimator;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Everything the streaming estimate needs to resume: the estimator (its A and B arrays), the last
 * global step, the last day fed and every item's occurrence count since the state began (to tell
 * items never seen, which get the floor, from items whose bucket merely collided).
 *
 * <p>On disk: {@code <data-dir>/sampling-state/streaming-<yyyy-MM-dd>.state}, the state after that
 * day, one file per run (a daily schedule leaves one per day); gzip of a small header, the counts
 * and {@link EstimatorSnapshots}' payload. A run whose first day is d resumes from the latest file
 * before d, so rerunning a day gives the same result; later days' files are left as they are.
 * Written with java.nio to the driver's file system, like the rest of data-dir.
 */
final class StreamingState {

  static final String FOLDER = "sampling-state";
  private static final Pattern FILE = Pattern.compile("streaming-(\\d{4}-\\d{2}-\\d{2})\\.state");
  private static final int MAGIC = 0x54545331; // "TTS1"

  final HashedGapEstimator estimator;
  final Map<Integer, Long> counts;
  long lastStep;
  LocalDate lastDay;

  private StreamingState(
      HashedGapEstimator estimator, Map<Integer, Long> counts, long lastStep, LocalDate lastDay) {
    this.estimator = estimator;
    this.counts = counts;
    this.lastStep = lastStep;
    this.lastDay = lastDay;
  }

  /** A fresh state: step 0, nothing seen. */
  static StreamingState fresh(GapEstimatorSettings settings) {
    return new StreamingState(
        new HashedGapEstimator(settings), new HashMap<>(), settings.initialLastSeenStep(), null);
  }

  static Path folder(Path dataDir) {
    return dataDir.resolve(FOLDER);
  }

  static Path file(Path dataDir, LocalDate day) {
    return folder(dataDir).resolve("streaming-" + day + ".state");
  }

  /** The file of the latest day strictly before {@code firstDay}, if any. */
  static Optional<Path> latestBefore(Path dataDir, LocalDate firstDay) {
    Path folder = folder(dataDir);
    if (firstDay == null || !Files.isDirectory(folder)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(folder)) {
      return files
          .filter(f -> dayOf(f).filter(d -> d.isBefore(firstDay)).isPresent())
          .max(java.util.Comparator.comparing(f -> dayOf(f).orElseThrow()));
    } catch (IOException e) {
      throw JobErrors.streamingStateListFailure(folder, e);
    }
  }

  private static Optional<LocalDate> dayOf(Path file) {
    Matcher m = FILE.matcher(file.getFileName().toString());
    return m.matches() ? Optional.of(LocalDate.parse(m.group(1))) : Optional.empty();
  }

  /** Saves this state as the state after {@link #lastDay}; atomic (temporary file, then move). */
  Path save(Path dataDir) {
    Path target = file(dataDir, lastDay);
    try {
      Files.createDirectories(target.getParent());
      Path temporary = Files.createTempFile(target.getParent(), "streaming-", ".tmp");
      try (OutputStream raw = Files.newOutputStream(temporary);
          GZIPOutputStream zipped = new GZIPOutputStream(raw, 1 << 16);
          DataOutputStream out = new DataOutputStream(zipped)) {
        out.writeInt(MAGIC);
        out.writeLong(lastStep);
        out.writeLong(lastDay.toEpochDay());
        out.writeInt(counts.size());
        for (Map.Entry<Integer, Long> e : counts.entrySet()) {
          out.writeInt(e.getKey());
          out.writeLong(e.getValue());
        }
        out.flush();
        EstimatorSnapshots.save(estimator, out);
      }
      Files.move(
          temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return target;
    } catch (IOException e) {
      throw JobErrors.streamingStateSaveFailure(target, e);
    }
  }

  /** Loads a saved state; its estimator settings must equal {@code expected}. */
  static StreamingState load(Path file, GapEstimatorSettings expected) {
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
      if (in.readInt() != MAGIC) {
        throw new IOException("not a streaming state file (bad header)");
      }
      long lastStep = in.readLong();
      LocalDate lastDay = LocalDate.ofEpochDay(in.readLong());
      int items = in.readInt();
      Map<Integer, Long> counts = new HashMap<>(Math.max(16, items * 2));
      for (int i = 0; i < items; i++) {
        counts.put(in.readInt(), in.readLong());
      }
      StreamingFrequencyEstimator loaded = EstimatorSnapshots.load(in);
      if (!(loaded instanceof HashedGapEstimator hashed)) {
        throw new IOException("holds a " + loaded.getClass().getSimpleName());
      }
      if (!hashed.settings().equals(expected)) {
        throw JobErrors.streamingStateSettingsDiffer(file, hashed.settings(), expected);
      }
      return new StreamingState(hashed, counts, lastStep, lastDay);
    } catch (IOException e) {
      throw JobErrors.streamingStateReadFailure(file, e);
    }
  }
}
