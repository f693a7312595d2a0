package io.twotower.towers;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatKernels} on Java's Vector API (jdk.incubator.vector): the same operations in the same
 * order on the CPU's widest vectors, the tail of each row (shorter than a vector) by the scalar
 * code. Loaded only when the JVM has the module ({@link FloatKernels#BEST}).
 */
final class VectorFloatKernels extends FloatKernels {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

  @Override
  void addScaled(float a, float[] x, int xFrom, float[] y, int yFrom, int length) {
    FloatVector scale = FloatVector.broadcast(FLOATS, a);
    int i = 0;
    for (int bound = FLOATS.loopBound(length); i < bound; i += FLOATS.length()) {
      FloatVector.fromArray(FLOATS, x, xFrom + i)
          .mul(scale)
          .add(FloatVector.fromArray(FLOATS, y, yFrom + i))
          .intoArray(y, yFrom + i);
    }
    super.addScaled(a, x, xFrom + i, y, yFrom + i, length - i);
  }

  @Override
  float correctMaskMax(
      float[] values,
      int from,
      int length,
      float[] correction,
      float[] keys,
      float key,
      float floor) {
    FloatVector maxes = FloatVector.broadcast(FLOATS, floor);
    int j = 0;
    for (int bound = FLOATS.loopBound(length); j < bound; j += FLOATS.length()) {
      FloatVector value =
          FloatVector.fromArray(FLOATS, values, from + j)
              .sub(FloatVector.fromArray(FLOATS, correction, j));
      if (keys != null) {
        value =
            value.blend(Float.NEGATIVE_INFINITY, FloatVector.fromArray(FLOATS, keys, j).eq(key));
      }
      value.intoArray(values, from + j);
      maxes = maxes.max(value);
    }
    float max = maxes.reduceLanes(VectorOperators.MAX);
    return correctMaskMaxFrom(j, values, from, length, correction, keys, key, max);
  }

  /**
   * {@link FloatKernels#exp(float)} lane by lane, written out in the loop: as a method of its own
   * the JIT did not inline it where this method is inlined into the softmax's long one
   * (-XX:+PrintInlining: "too big"), and a vector handed to a method that is not inlined is boxed.
   */
  @Override
  float expShiftedSum(float[] values, int from, int length, float shift) {
    FloatVector sums = FloatVector.zero(FLOATS);
    int i = from;
    for (int bound = from + FLOATS.loopBound(length); i < bound; i += FLOATS.length()) {
      FloatVector x = FloatVector.fromArray(FLOATS, values, i).sub(shift);
      FloatVector clamped = x.max(EXP_UNDERFLOW);
      FloatVector shifted = clamped.mul(LOG2_E).add(ROUNDER);
      FloatVector n = shifted.sub(ROUNDER);
      FloatVector twoToN =
          ((IntVector) shifted.reinterpretAsInts())
              .sub(ROUNDER_BITS - 127)
              .lanewise(VectorOperators.LSHL, 23)
              .reinterpretAsFloats();
      FloatVector r = clamped.sub(n.mul(LN2_HIGH)).sub(n.mul(LN2_LOW));
      FloatVector p = FloatVector.broadcast(FLOATS, P0);
      p = p.mul(r).add(P1);
      p = p.mul(r).add(P2);
      p = p.mul(r).add(P3);
      p = p.mul(r).add(P4);
      p = p.mul(r).add(P5);
      p = p.mul(r).mul(r).add(r).add(1);
      FloatVector e = p.mul(twoToN).blend(0, x.lt(EXP_UNDERFLOW));
      e.intoArray(values, i);
      sums = sums.add(e);
    }
    return sums.reduceLanes(VectorOperators.ADD)
        + super.expShiftedSum(values, i, from + length - i, shift);
  }
}
