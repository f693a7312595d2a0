package io.twotower.towers;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;

/**
 * The inner loops of the float32 CPU training path, over heap arrays and ND4J's native memory
 * ({@link HeapFloats#memory} buffers, indexed here in floats): a scaled row added into another (the
 * bag layer's pooling and scatter); a row of the in-batch softmax's logits corrected, masked and
 * its maximum taken, then exp() with the row's sum, then scaled; ReLU's backward pass with the bias
 * gradient's column sums; and Adam's step. Two implementations of the same arithmetic, operation
 * for operation:
 *
 * <ul>
 *   <li>{@link VectorFloatKernels}, Java's Vector API, when the JVM runs with {@code --add-modules
 *       jdk.incubator.vector} (the launcher, the tests and {@code conf/spark-defaults.conf} add
 *       it). The JIT compiles it to the CPU's widest SIMD instructions;
 *   <li>{@link #SCALAR}, plain loops, on any other JVM. The JIT's own vectorisation does little for
 *       a 64-wide row (3.5 times slower than the vector kernel, below), and it has no vector exp()
 *       at all.
 * </ul>
 *
 * <p>Measured on the training machine's AVX-512 Xeon (JDK 17, one core): adding 51,200 rows of 64
 * floats picked at random from a 9,742-row table, a batch's pooling, 1.6 ms scalar and 0.46 ms with
 * vectors; exp() 6.3 ns an element scalar, 0.4 ns with vectors, and about 5 ns in ND4J 1.0.0-M2.1's
 * exp op, which the softmax used before (from its 8% share of a profiled training step).
 *
 * <p>exp() here is Cephes' single-precision expf: x = n ln 2 + r with |r| &lt;= ln 2 / 2 and n a
 * whole number, exp(r) by a degree-7 polynomial, 2^n by building the float's exponent bits. Its
 * error is within 2 ulp of the float nearest exp(x) for the softmax's arguments (x &lt;= 0);
 * arguments below ln(Float.MIN_NORMAL) give 0, as do -infinity (a left-out column), and NaN stays
 * NaN.
 */
abstract class FloatKernels {
  /** The scalar loops, on any JVM. */
  static final FloatKernels SCALAR = new FloatKernels() {};

  /**
   * The Vector API's loops when the JVM has the incubator module and its optimising compiler (C2),
   * else {@link #SCALAR}: without C2 (e.g. {@code -XX:TieredStopAtLevel=1}, which short-lived test
   * JVMs use) the vector classes run as plain Java objects, exp() at 290 ns an element instead of 5
   * scalar.
   */
  static final FloatKernels BEST =
      ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && compilesWithC2()
          ? new VectorFloatKernels()
          : SCALAR;

  /** Arguments below this give 0: exp() of them is not a normal float. */
  static final float EXP_UNDERFLOW = -87.33654f;

  static final float LOG2_E = 1.44269504088896341f;

  /** ln 2 in two parts, the first exact in few bits, so that x - n ln 2 loses nothing. */
  static final float LN2_HIGH = 0.693359375f;

  static final float LN2_LOW = -2.12194440e-4f;

  /** Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to a whole number. */
  static final float ROUNDER = 12582912f;

  /** The bits of ROUNDER: those of ROUNDER + n are these plus n. */
  static final int ROUNDER_BITS = 0x4B400000;

  static final float P0 = 1.9875691500e-4f;
  static final float P1 = 1.3981999507e-3f;
  static final float P2 = 8.3334519073e-3f;
  static final float P3 = 4.1665795894e-2f;
  static final float P4 = 1.6666665459e-1f;
  static final float P5 = 5.0000001201e-1f;

  /** Whether HotSpot compiles hot code with C2; true on JVMs that do not say. */
  private static boolean compilesWithC2() {
    HotSpotDiagnosticMXBean hotSpot =
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    if (hotSpot == null) {
      return true;
    }
    try {
      boolean tiered = Boolean.parseBoolean(hotSpot.getVMOption("TieredCompilation").getValue());
      int stopAt = Integer.parseInt(hotSpot.getVMOption("TieredStopAtLevel").getValue());
      boolean compiles = Boolean.parseBoolean(hotSpot.getVMOption("UseCompiler").getValue());
      return compiles && (!tiered || stopAt >= 4);
    } catch (IllegalArgumentException notHotSpot) {
      return true;
    }
  }

  /** y[yFrom + i] += a * x[xFrom + i] for i in [0, length). */
  void addScaled(float a, float[] x, int xFrom, float[] y, int yFrom, int length) {
    for (int i = 0; i < length; i++) {
      y[yFrom + i] += a * x[xFrom + i];
    }
  }

  /** y[yFrom + i] += a * x[xFrom + i] for i in [0, length), x in native memory. */
  void addScaled(float a, ByteBuffer x, int xFrom, float[] y, int yFrom, int length) {
    for (int i = 0; i < length; i++) {
      y[yFrom + i] += a * x.getFloat((xFrom + i) * Float.BYTES);
    }
  }

  /** y[yFrom + i] += a * x[xFrom + i] for i in [0, length), y in native memory. */
  void addScaled(float a, float[] x, int xFrom, ByteBuffer y, int yFrom, int length) {
    for (int i = 0; i < length; i++) {
      int at = (yFrom + i) * Float.BYTES;
      y.putFloat(at, y.getFloat(at) + a * x[xFrom + i]);
    }
  }

  /**
   * Adam's step on elements [from, from + length) of a gradient g and moments m, v, in place: m =
   * b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, and g = alpha_t m / (sqrt(v) + eps).
   */
  void adam(AdamStep step, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int length) {
    float keep1 = 1 - step.beta1();
    float keep2 = 1 - step.beta2();
    for (int i = from; i < from + length; i++) {
      int at = i * Float.BYTES;
      float gi = g.getFloat(at);
      float mi = step.beta1() * m.getFloat(at) + keep1 * gi;
      float vi = step.beta2() * v.getFloat(at) + keep2 * gi * gi;
      m.putFloat(at, mi);
      v.putFloat(at, vi);
      g.putFloat(at, step.alpha() * mi / ((float) Math.sqrt(vi) + step.epsilon()));
    }
  }

  /**
   * ReLU's backward pass through its output, for a [rows, width] row-major batch: delta = epsilon
   * where output &gt; 0, else 0, and each column's sum of delta added into {@code columnSums} (a
   * bias gradient), row after row.
   */
  void reluBackward(
      ByteBuffer output,
      ByteBuffer epsilon,
      ByteBuffer delta,
      float[] columnSums,
      int rows,
      int width) {
    reluBackwardFrom(0, output, epsilon, delta, columnSums, rows, width);
  }

  /** {@link #reluBackward} on columns [first, width) only. */
  static void reluBackwardFrom(
      int first,
      ByteBuffer output,
      ByteBuffer epsilon,
      ByteBuffer delta,
      float[] columnSums,
      int rows,
      int width) {
    for (int r = 0; r < rows; r++) {
      for (int c = first; c < width; c++) {
        int at = (r * width + c) * Float.BYTES;
        float d = output.getFloat(at) > 0 ? epsilon.getFloat(at) : 0;
        delta.putFloat(at, d);
        columnSums[c] += d;
      }
    }
  }

  /** columnSums[c] += the sum of column c of a [rows, width] row-major batch, row after row. */
  void columnSums(ByteBuffer values, float[] columnSums, int rows, int width) {
    columnSumsFrom(0, values, columnSums, rows, width);
  }

  /** {@link #columnSums} on columns [first, width) only. */
  static void columnSumsFrom(
      int first, ByteBuffer values, float[] columnSums, int rows, int width) {
    for (int r = 0; r < rows; r++) {
      for (int c = first; c < width; c++) {
        columnSums[c] += values.getFloat((r * width + c) * Float.BYTES);
      }
    }
  }

  /** Adam's coefficients for one step: alpha is the step's bias-corrected learning rate. */
  record AdamStep(float beta1, float beta2, float alpha, float epsilon) {}

  /**
   * One row of the softmax's logits (in native memory) made ready for exp(): values[from + j] -=
   * correction[j], then -infinity (a left-out column) where keys[j] == key (none when {@code keys}
   * is null); returns the largest of {@code floor} and the row's values.
   */
  float correctMaskMax(
      ByteBuffer values,
      int from,
      int length,
      float[] correction,
      float[] keys,
      float key,
      float floor) {
    return correctMaskMaxFrom(0, values, from, length, correction, keys, key, floor);
  }

  /** {@link #correctMaskMax} on columns [first, length) of the row only. */
  static float correctMaskMaxFrom(
      int first,
      ByteBuffer values,
      int from,
      int length,
      float[] correction,
      float[] keys,
      float key,
      float floor) {
    float max = floor;
    for (int j = first; j < length; j++) {
      int at = (from + j) * Float.BYTES;
      float value = values.getFloat(at) - correction[j];
      if (keys != null && keys[j] == key) {
        value = Float.NEGATIVE_INFINITY;
      }
      values.putFloat(at, value);
      max = Math.max(max, value);
    }
    return max;
  }

  /**
   * values[from + i] = exp(values[from + i] - shift) for i in [0, length), in native memory, and
   * their sum. With {@code shift} the row's maximum (the arguments are then at most 0), the
   * softmax's numerators and denominator. The sum's rounding differs between the implementations:
   * this one adds in double, the vector one in float lanes.
   */
  float expShiftedSum(ByteBuffer values, int from, int length, float shift) {
    double sum = 0;
    for (int i = from; i < from + length; i++) {
      float e = exp(values.getFloat(i * Float.BYTES) - shift);
      values.putFloat(i * Float.BYTES, e);
      sum += e;
    }
    return (float) sum;
  }

  /** values[from + i] *= factor for i in [0, length), in native memory. */
  void scale(ByteBuffer values, int from, int length, float factor) {
    for (int i = from; i < from + length; i++) {
      values.putFloat(i * Float.BYTES, values.getFloat(i * Float.BYTES) * factor);
    }
  }

  /** exp(x) for x &lt;= 0, the steps of the vector version one by one. */
  static float exp(float x) {
    float clamped = Math.max(x, EXP_UNDERFLOW);
    float shifted = clamped * LOG2_E + ROUNDER;
    float n = shifted - ROUNDER;
    int twoToN = (Float.floatToRawIntBits(shifted) - (ROUNDER_BITS - 127)) << 23;
    float r = clamped - n * LN2_HIGH - n * LN2_LOW;
    float p = P0;
    p = p * r + P1;
    p = p * r + P2;
    p = p * r + P3;
    p = p * r + P4;
    p = p * r + P5;
    p = p * r * r + r + 1;
    return x < EXP_UNDERFLOW ? 0 : p * Float.intBitsToFloat(twoToN);
  }
}
