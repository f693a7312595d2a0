package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class FloatKernelsTest {
  /**
   * The test JVMs run with the Vector API's module (the pom's argLine), so both paths are tested.
   */
  @Test
  void theTestJvmHasTheVectorKernels() {
    assertThat(FloatKernels.BEST).isInstanceOf(VectorFloatKernels.class);
  }

  /**
   * Against the double-precision exp over the softmax's arguments, [-87, 0] in 2 million steps and
   * every float of [-1, 0]'s last binade: within 2 units in the last place of the float result.
   */
  @Test
  void expIsWithinTwoUlpOfTheExactValue() {
    double worst = 0;
    for (int k = 0; k <= 2_000_000; k++) {
      worst = Math.max(worst, ulpError(-87f * k / 2_000_000));
    }
    for (float x = -1f; x < 0; x = Math.nextUp(x)) {
      worst = Math.max(worst, ulpError(x));
      if (x > -0.5f) {
        break;
      }
    }
    assertThat(worst).isLessThanOrEqualTo(2.0);
  }

  private static double ulpError(float x) {
    double exact = Math.exp(x);
    return Math.abs(FloatKernels.exp(x) - exact) / Math.ulp((float) exact);
  }

  @Test
  void expOfTheEdges() {
    assertThat(FloatKernels.exp(0f)).isEqualTo(1f);
    assertThat(FloatKernels.exp(Float.NEGATIVE_INFINITY)).isZero();
    assertThat(FloatKernels.exp(-100f)).isZero();
    assertThat(FloatKernels.exp(Float.NaN)).isNaN();
    assertThat(FloatKernels.exp(FloatKernels.EXP_UNDERFLOW))
        .isGreaterThanOrEqualTo(Float.MIN_NORMAL);
  }

  /**
   * The vector exp() gives the scalar one's floats bit for bit, on rows of any length and offset
   * (tails shorter than a vector included), with -infinity and underflowing entries among them; the
   * sums agree to float rounding.
   */
  @Property(tries = 200)
  void vectorExpMatchesScalarBitForBit(
      @ForAll @IntRange(min = 0, max = 37) int from,
      @ForAll @IntRange(min = 0, max = 300) int length,
      @ForAll long seed) {
    float[] values = logits(new Random(seed), from + length + 5);
    float shift = 3.5f;
    ByteBuffer scalarRow = memory(values);
    ByteBuffer vectorRow = memory(values);
    float scalarSum = FloatKernels.SCALAR.expShiftedSum(scalarRow, from, length, shift);
    float vectorSum = new VectorFloatKernels().expShiftedSum(vectorRow, from, length, shift);
    float[] scalar = floats(scalarRow);
    assertThat(floats(vectorRow)).containsExactly(scalar);
    assertThat(vectorSum).isCloseTo(scalarSum, within(1e-6f * Math.max(1f, scalarSum)));
    for (int i = 0; i < values.length; i++) {
      boolean inRow = i >= from && i < from + length;
      assertThat(scalar[i]).isEqualTo(inRow ? FloatKernels.exp(values[i] - shift) : values[i]);
    }
  }

  /**
   * y += a x over a row, with x and y on the heap, x in native memory (the table in pooling) or y
   * in native memory (the gradient in the scatter): both implementations give the definition's
   * floats bit for bit, and nothing changes outside the row.
   */
  @Property(tries = 200)
  void addScaledMatchesTheDefinitionBitForBit(
      @ForAll @IntRange(min = 0, max = 20) int xFrom,
      @ForAll @IntRange(min = 0, max = 20) int yFrom,
      @ForAll @IntRange(min = 0, max = 200) int length,
      @ForAll float a,
      @ForAll long seed) {
    Random random = new Random(seed);
    float[] x = logits(random, xFrom + length + 3);
    float[] y = logits(random, yFrom + length + 3);
    float[] expected = y.clone();
    for (int i = yFrom; i < yFrom + length; i++) {
      expected[i] = y[i] + a * x[xFrom + i - yFrom];
    }
    for (FloatKernels kernels :
        new FloatKernels[] {FloatKernels.SCALAR, new VectorFloatKernels()}) {
      float[] onHeap = y.clone();
      kernels.addScaled(a, x, xFrom, onHeap, yFrom, length);
      assertThat(onHeap).containsExactly(expected);
      float[] fromMemory = y.clone();
      kernels.addScaled(a, memory(x), xFrom, fromMemory, yFrom, length);
      assertThat(fromMemory).containsExactly(expected);
      ByteBuffer intoMemory = memory(y);
      kernels.addScaled(a, x, xFrom, intoMemory, yFrom, length);
      assertThat(floats(intoMemory)).containsExactly(expected);
    }
  }

  /**
   * Adam's step: the vector version's update and moments are the scalar one's bit for bit, only in
   * [from, from + length), and the scalar one's are the formula's.
   */
  @Property(tries = 200)
  void vectorAdamMatchesScalarBitForBit(
      @ForAll @IntRange(min = 0, max = 20) int from,
      @ForAll @IntRange(min = 0, max = 200) int length,
      @ForAll long seed) {
    Random random = new Random(seed);
    int n = from + length + 3;
    float[] g = new float[n];
    float[] m = new float[n];
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      g[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(5) - 3));
      m[i] = (float) (random.nextGaussian() * 1e-2);
      v[i] = (float) Math.abs(random.nextGaussian() * 1e-4);
    }
    FloatKernels.AdamStep step = new FloatKernels.AdamStep(0.9f, 0.999f, 0.0123f, 1e-8f);
    ByteBuffer[] scalar = {memory(g), memory(m), memory(v)};
    ByteBuffer[] vector = {memory(g), memory(m), memory(v)};
    FloatKernels.SCALAR.adam(step, scalar[0], scalar[1], scalar[2], from, length);
    new VectorFloatKernels().adam(step, vector[0], vector[1], vector[2], from, length);
    for (int k = 0; k < 3; k++) {
      assertThat(floats(vector[k])).containsExactly(floats(scalar[k]));
    }
    float[] update = floats(scalar[0]);
    float[] newM = floats(scalar[1]);
    float[] newV = floats(scalar[2]);
    for (int i = 0; i < n; i++) {
      if (i < from || i >= from + length) {
        assertThat(update[i]).isEqualTo(g[i]);
        assertThat(newM[i]).isEqualTo(m[i]);
        assertThat(newV[i]).isEqualTo(v[i]);
        continue;
      }
      float mi = 0.9f * m[i] + (1 - 0.9f) * g[i];
      float vi = 0.999f * v[i] + (1 - 0.999f) * g[i] * g[i];
      assertThat(newM[i]).isEqualTo(mi);
      assertThat(newV[i]).isEqualTo(vi);
      assertThat(update[i]).isEqualTo(0.0123f * mi / ((float) Math.sqrt(vi) + 1e-8f));
    }
  }

  /**
   * ReLU's backward pass and column sums over a [rows, width] batch (widths that are no multiple of
   * a vector included): the vector version's delta and sums are the scalar one's bit for bit, and
   * those are the definition's (0 where the output is 0, negative or NaN).
   */
  @Property(tries = 200)
  void vectorReluBackwardAndColumnSumsMatchScalarBitForBit(
      @ForAll @IntRange(min = 0, max = 9) int rows,
      @ForAll @IntRange(min = 0, max = 70) int width,
      @ForAll long seed) {
    Random random = new Random(seed);
    float[] output = logits(random, rows * width);
    for (int i = 0; i < output.length; i += 7) {
      output[i] = random.nextBoolean() ? 0 : Float.NaN;
    }
    float[] epsilon = logits(random, rows * width);
    float[] start = logits(random, width);
    ByteBuffer scalarDelta = memory(new float[rows * width]);
    ByteBuffer vectorDelta = memory(new float[rows * width]);
    float[] scalarSums = start.clone();
    float[] vectorSums = start.clone();
    FloatKernels.SCALAR.reluBackward(
        memory(output), memory(epsilon), scalarDelta, scalarSums, rows, width);
    new VectorFloatKernels()
        .reluBackward(memory(output), memory(epsilon), vectorDelta, vectorSums, rows, width);

    assertThat(floats(vectorDelta)).containsExactly(floats(scalarDelta));
    assertThat(vectorSums).containsExactly(scalarSums);
    float[] delta = floats(scalarDelta);
    float[] expectedSums = start.clone();
    for (int i = 0; i < delta.length; i++) {
      float expected = output[i] > 0 ? epsilon[i] : 0;
      assertThat(Float.floatToIntBits(delta[i])).isEqualTo(Float.floatToIntBits(expected));
      expectedSums[i % width] += expected;
    }
    assertThat(scalarSums).containsExactly(expectedSums);

    float[] columnSums = start.clone();
    float[] vectorColumnSums = start.clone();
    FloatKernels.SCALAR.columnSums(memory(delta), columnSums, rows, width);
    new VectorFloatKernels().columnSums(memory(delta), vectorColumnSums, rows, width);
    assertThat(vectorColumnSums).containsExactly(columnSums);
    assertThat(columnSums).containsExactly(expectedSums);
  }

  /** Scaling a row in place: bit for bit the scalar products, and nothing outside the row. */
  @Property(tries = 200)
  void vectorScaleMatchesScalarBitForBit(
      @ForAll @IntRange(min = 0, max = 20) int from,
      @ForAll @IntRange(min = 0, max = 200) int length,
      @ForAll float factor,
      @ForAll long seed) {
    float[] values = logits(new Random(seed), from + length + 3);
    ByteBuffer scalarRow = memory(values);
    ByteBuffer vectorRow = memory(values);
    FloatKernels.SCALAR.scale(scalarRow, from, length, factor);
    new VectorFloatKernels().scale(vectorRow, from, length, factor);
    float[] scalar = floats(scalarRow);
    assertThat(floats(vectorRow)).containsExactly(scalar);
    for (int i = 0; i < values.length; i++) {
      boolean inRow = i >= from && i < from + length;
      float expected = inRow ? values[i] * factor : values[i];
      assertThat(Float.floatToIntBits(scalar[i])).isEqualTo(Float.floatToIntBits(expected));
    }
  }

  /** {@code values} in a direct buffer in native order, as HeapFloats.memory gives ND4J's. */
  private static ByteBuffer memory(float[] values) {
    ByteBuffer buffer =
        ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder());
    buffer.asFloatBuffer().put(values);
    return buffer;
  }

  private static float[] floats(ByteBuffer memory) {
    float[] values = new float[memory.capacity() / Float.BYTES];
    memory.asFloatBuffer().get(values);
    return values;
  }

  /**
   * Correcting, masking and taking the maximum: the vector version's row and maximum are the scalar
   * one's bit for bit, and both are what the definition says, with keys or without.
   */
  @Property(tries = 200)
  void vectorCorrectMaskMaxMatchesScalarBitForBit(
      @ForAll @IntRange(min = 0, max = 20) int from,
      @ForAll @IntRange(min = 0, max = 200) int length,
      @ForAll boolean masks,
      @ForAll long seed) {
    Random random = new Random(seed);
    float[] values = logits(random, from + length + 3);
    float[] correction = logits(random, length);
    float[] keys = new float[length];
    for (int j = 0; j < length; j++) {
      keys[j] = random.nextInt(5);
    }
    float key = 2;
    float floor = -1.5f;
    ByteBuffer scalarRow = memory(values);
    ByteBuffer vectorRow = memory(values);
    float[] maskKeys = masks ? keys : null;
    float scalarMax =
        FloatKernels.SCALAR.correctMaskMax(
            scalarRow, from, length, correction, maskKeys, key, floor);
    float vectorMax =
        new VectorFloatKernels()
            .correctMaskMax(vectorRow, from, length, correction, maskKeys, key, floor);
    float[] scalar = floats(scalarRow);
    assertThat(floats(vectorRow)).containsExactly(scalar);
    assertThat(Float.floatToIntBits(vectorMax)).isEqualTo(Float.floatToIntBits(scalarMax));
    float expectedMax = floor;
    for (int i = 0; i < values.length; i++) {
      int j = i - from;
      boolean inRow = j >= 0 && j < length;
      float expected =
          !inRow
              ? values[i]
              : masks && keys[j] == key ? Float.NEGATIVE_INFINITY : values[i] - correction[j];
      assertThat(Float.floatToIntBits(scalar[i])).isEqualTo(Float.floatToIntBits(expected));
      if (inRow) {
        expectedMax = Math.max(expectedMax, expected);
      }
    }
    assertThat(Float.floatToIntBits(scalarMax)).isEqualTo(Float.floatToIntBits(expectedMax));
  }

  /** Logit-like values: mostly in [-20, 4], some -infinity, some far below exp()'s range. */
  private static float[] logits(Random random, int length) {
    float[] values = new float[length];
    for (int i = 0; i < length; i++) {
      int kind = random.nextInt(20);
      values[i] =
          kind == 0
              ? Float.NEGATIVE_INFINITY
              : kind == 1 ? -200f * random.nextFloat() : 24f * random.nextFloat() - 20f;
    }
    return values;
  }
}
