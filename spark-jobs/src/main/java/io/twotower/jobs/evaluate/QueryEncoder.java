package io.twotower.jobs.evaluate;

import java.io.Serializable;
import java.util.List;

/**
 * Turns query histories (item indices, most recent first) into query vectors, on the executors.
 * {@link ShippedModelEncoder} runs the trained query tower; tests and baselines pass a lambda.
 */
@FunctionalInterface
public interface QueryEncoder extends Serializable {

  /** One vector per history, [histories.size()][dim]; dim must match the corpus. */
  float[][] encode(List<int[]> histories);

  /** The same vector for every query, e.g. {1} against a corpus of popularity counts. */
  static QueryEncoder constant(float[] vector) {
    float[] copy = vector.clone();
    return histories -> {
      float[][] out = new float[histories.size()][];
      for (int i = 0; i < out.length; i++) {
        out[i] = copy;
      }
      return out;
    };
  }
}
