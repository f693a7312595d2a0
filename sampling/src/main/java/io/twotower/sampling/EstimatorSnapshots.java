package io.twotower.sampling;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;

/**
 * Saves and restores a {@link StreamingFrequencyEstimator} with Java serialization, so a trainer
 * can checkpoint the estimate with its model and resume. Loading accepts only this module's classes
 * and the JDK types they hold, so a tampered snapshot cannot instantiate arbitrary classes.
 */
public final class EstimatorSnapshots {

  private static final ObjectInputFilter ONLY_ESTIMATOR_STATE =
      ObjectInputFilter.Config.createFilter(
          "maxdepth=20;io.twotower.sampling.*;java.lang.Object;java.lang.Number;java.lang.Long;"
              + "java.util.HashMap;java.util.Map$Entry;java.util.ArrayDeque;!*");

  private EstimatorSnapshots() {}

  /** Writes the estimator's full state; does not close {@code out}. */
  public static void save(StreamingFrequencyEstimator estimator, OutputStream out)
      throws IOException {
    ObjectOutputStream objects = new ObjectOutputStream(out);
    objects.writeObject(estimator);
    objects.flush();
  }

  /** Reads an estimator written by {@link #save}; does not close {@code in}. */
  public static StreamingFrequencyEstimator load(InputStream in) throws IOException {
    ObjectInputStream objects = new ObjectInputStream(in);
    objects.setObjectInputFilter(ONLY_ESTIMATOR_STATE);
    try {
      return (StreamingFrequencyEstimator) objects.readObject();
    } catch (ClassNotFoundException | ClassCastException e) {
      throw new IOException(
          "The snapshot does not hold a StreamingFrequencyEstimator. Cause: "
              + e.getMessage()
              + ". Fix: load only files written by EstimatorSnapshots.save.",
          e);
    }
  }
}
