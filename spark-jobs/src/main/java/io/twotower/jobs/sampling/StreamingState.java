package io.twotower.jobs.sampling;

import io.twotower.jobs.JobErrors;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import io.twotower.sampling.EstimatorSnapshots;
import io.twotower.sampling.GapEstimatorSettings;
import io.twotower.sampling.HashedGapEstimator;
import io.twotower.sampling.StreamingFrequencyEstimator;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * before d, so rerunning a day gives the same result; later days' files are left as they are. Read
 * and written through Hadoop's FileSystem API, so data-dir may be on HDFS or an object store.
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

  static DataLocation folder(DataLocation dataDir) {
    return dataDir.resolve(FOLDER);
  }

  static DataLocation file(DataLocation dataDir, LocalDate day) {
    return folder(dataDir).resolve("streaming-" + day + ".state");
  }

  /** The file of the latest day strictly before {@code firstDay}, if any. */
  static Optional<DataLocation> latestBefore(
      HadoopFiles files, DataLocation dataDir, LocalDate firstDay) {
    DataLocation folder = folder(dataDir);
    if (firstDay == null) {
      return Optional.empty();
    }
    try {
      return files.list(folder).stream()
          .filter(name -> dayOf(name).filter(d -> d.isBefore(firstDay)).isPresent())
          .max(java.util.Comparator.comparing(name -> dayOf(name).orElseThrow()))
          .map(folder::resolve);
    } catch (IOException e) {
      throw JobErrors.streamingStateListFailure(folder, e);
    }
  }

  private static Optional<LocalDate> dayOf(String fileName) {
    Matcher m = FILE.matcher(fileName);
    return m.matches() ? Optional.of(LocalDate.parse(m.group(1))) : Optional.empty();
  }

  /**
   * Saves this state as the state after {@link #lastDay}. A reader sees the previous file or the
   * complete new one: the bytes go to a temporary file, renamed over the target (on an object
   * store, one upload that becomes visible whole when it completes).
   */
  DataLocation save(HadoopFiles files, DataLocation dataDir) {
    DataLocation target = file(dataDir, lastDay);
    try {
      files.writeAtomically(target, out -> write(new GZIPOutputStream(out, 1 << 16)));
      return target;
    } catch (IOException e) {
      throw JobErrors.streamingStateSaveFailure(target, e);
    }
  }

  private void write(GZIPOutputStream zipped) throws IOException {
    DataOutputStream out = new DataOutputStream(zipped);
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
    out.flush();
    zipped.finish();
  }

  /** Loads a saved state; its estimator settings must equal {@code expected}. */
  static StreamingState load(HadoopFiles files, DataLocation file, GapEstimatorSettings expected) {
    try (InputStream raw = files.open(file);
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
