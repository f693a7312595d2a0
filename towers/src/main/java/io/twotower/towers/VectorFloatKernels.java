package io.twotower.towers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

  /** The byte order of {@link HeapFloats#memory} buffers. */
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

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
  void addScaled(float a, ByteBuffer x, int xFrom, float[] y, int yFrom, int length) {
    FloatVector scale = FloatVector.broadcast(FLOATS, a);
    int i = 0;
    for (int bound = FLOATS.loopBound(length); i < bound; i += FLOATS.length()) {
      FloatVector.fromByteBuffer(FLOATS, x, (xFrom + i) * Float.BYTES, NATIVE)
          .mul(scale)
          .add(FloatVector.fromArray(FLOATS, y, yFrom + i))
          .intoArray(y, yFrom + i);
    }
    super.addScaled(a, x, xFrom + i, y, yFrom + i, length - i);
  }

  @Override
  void addScaled(float a, float[] x, int xFrom, ByteBuffer y, int yFrom, int length) {
    FloatVector scale = FloatVector.broadcast(FLOATS, a);
    int i = 0;
    for (int bound = FLOATS.loopBound(length); i < bound; i += FLOATS.length()) {
      int at = (yFrom + i) * Float.BYTES;
      FloatVector.fromArray(FLOATS, x, xFrom + i)
          .mul(scale)
          .add(FloatVector.fromByteBuffer(FLOATS, y, at, NATIVE))
          .intoByteBuffer(y, at, NATIVE);
    }
    super.addScaled(a, x, xFrom + i, y, yFrom + i, length - i);
  }

  @Override
  void adam(AdamStep step, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int length) {
    float keep1 = 1 - step.beta1();
    float keep2 = 1 - step.beta2();
    int i = from;
    for (int bound = from + FLOATS.loopBound(length); i < bound; i += FLOATS.length()) {
      int at = i * Float.BYTES;
      FloatVector gi = FloatVector.fromByteBuffer(FLOATS, g, at, NATIVE);
      FloatVector mi =
          FloatVector.fromByteBuffer(FLOATS, m, at, NATIVE).mul(step.beta1()).add(gi.mul(keep1));
      FloatVector vi =
          FloatVector.fromByteBuffer(FLOATS, v, at, NATIVE)
              .mul(step.beta2())
              .add(gi.mul(keep2).mul(gi));
      mi.intoByteBuffer(m, at, NATIVE);
      vi.intoByteBuffer(v, at, NATIVE);
      mi.mul(step.alpha()).div(vi.sqrt().add(step.epsilon())).intoByteBuffer(g, at, NATIVE);
    }
    super.adam(step, g, m, v, i, from + length - i);
  }

  /** Row by row (a strided pass per column block measured 3 times slower), sums in the array. */
  @Override
  void reluBackward(
      ByteBuffer output,
      ByteBuffer epsilon,
      ByteBuffer delta,
      float[] columnSums,
      int rows,
      int width) {
    FloatVector zero = FloatVector.zero(FLOATS);
    int bound = FLOATS.loopBound(width);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < bound; c += FLOATS.length()) {
        int at = (r * width + c) * Float.BYTES;
        // Where output > 0, epsilon; elsewhere (NaN included, as in the scalar loop) 0.
        FloatVector d =
            zero.blend(
                FloatVector.fromByteBuffer(FLOATS, epsilon, at, NATIVE),
                FloatVector.fromByteBuffer(FLOATS, output, at, NATIVE)
                    .compare(VectorOperators.GT, 0));
        d.intoByteBuffer(delta, at, NATIVE);
        FloatVector.fromArray(FLOATS, columnSums, c).add(d).intoArray(columnSums, c);
      }
    }
    reluBackwardFrom(bound, output, epsilon, delta, columnSums, rows, width);
  }

  @Override
  void columnSums(ByteBuffer values, float[] columnSums, int rows, int width) {
    int bound = FLOATS.loopBound(width);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < bound; c += FLOATS.length()) {
        FloatVector.fromArray(FLOATS, columnSums, c)
            .add(FloatVector.fromByteBuffer(FLOATS, values, (r * width + c) * Float.BYTES, NATIVE))
            .intoArray(columnSums, c);
      }
    }
    columnSumsFrom(bound, values, columnSums, rows, width);
  }

  @Override
  float correctMaskMax(
      ByteBuffer values,
      int from,
      int length,
      float[] correction,
      float[] keys,
      float key,
      float floor) {
    FloatVector maxes = FloatVector.broadcast(FLOATS, floor);
    int j = 0;
    for (int bound = FLOATS.loopBound(length); j < bound; j += FLOATS.length()) {
      int at = (from + j) * Float.BYTES;
      FloatVector value =
          FloatVector.fromByteBuffer(FLOATS, values, at, NATIVE)
              .sub(FloatVector.fromArray(FLOATS, correction, j));
      if (keys != null) {
        value =
            value.blend(Float.NEGATIVE_INFINITY, FloatVector.fromArray(FLOATS, keys, j).eq(key));
      }
      value.intoByteBuffer(values, at, NATIVE);
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
  float expShiftedSum(ByteBuffer values, int from, int length, float shift) {
    FloatVector sums = FloatVector.zero(FLOATS);
    int i = from;
    for (int bound = from + FLOATS.loopBound(length); i < bound; i += FLOATS.length()) {
      FloatVector x =
          FloatVector.fromByteBuffer(FLOATS, values, i * Float.BYTES, NATIVE).sub(shift);
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
      e.intoByteBuffer(values, i * Float.BYTES, NATIVE);
      sums = sums.add(e);
    }
    return sums.reduceLanes(VectorOperators.ADD)
        + super.expShiftedSum(values, i, from + length - i, shift);
  }

  @Override
  void scale(ByteBuffer values, int from, int length, float factor) {
    int i = from;
    for (int bound = from + FLOATS.loopBound(length); i < bound; i += FLOATS.length()) {
      int at = i * Float.BYTES;
      FloatVector.fromByteBuffer(FLOATS, values, at, NATIVE)
          .mul(factor)
          .intoByteBuffer(values, at, NATIVE);
    }
    super.scale(values, i, from + length - i, factor);
  }
}
