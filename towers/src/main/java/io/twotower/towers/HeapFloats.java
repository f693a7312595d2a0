package io.twotower.towers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Float32 arrays of ND4J for hand-written loops: bulk copies to and from the Java heap, or the
 * native memory itself as a direct buffer. At one ND4J thread, broadcasts and reductions along
 * inner axes of [B, L, d] arrays run element by element through ND4J's TAD machinery, and {@code
 * DataBuffer.asFloat()} reads one element per call: a memcpy to the heap and a loop the JIT
 * vectorises did the same work several times faster. Loops over large arrays (Adam's gradient and
 * state, the embedding table and its gradient, the softmax's [B, B] logits, a dense layer's output
 * and gradient) skip the copies too and work in {@link #memory} in place: the copies had cost about
 * as much as those loops.
 */
final class HeapFloats {
  private HeapFloats() {}

  /**
   * Whether these copies apply to arrays of {@code dataType}: float32 on the CPU backend (a CUDA
   * buffer's address is on the device).
   */
  static boolean apply(DataType dataType) {
    return dataType == DataType.FLOAT && Nd4j.getEnvironment().isCPU();
  }

  /**
   * The elements of {@code array} in c order, in {@code reuse} when it is long enough (its tail
   * past the array's length is left as it was), else in a new array.
   */
  static float[] read(INDArray array, float[] reuse) {
    if (array.dataType() != DataType.FLOAT) {
      throw new IllegalArgumentException("Expected a float array, got " + array.dataType());
    }
    INDArray packed = isPacked(array) ? array : array.dup('c');
    int length = Math.toIntExact(packed.length());
    float[] out = reuse != null && reuse.length >= length ? reuse : new float[length];
    pointer(packed).get(out, 0, length);
    return out;
  }

  /** Writes the first {@code target.length()} values of {@code values} into {@code target}. */
  static void write(float[] values, INDArray target) {
    requirePacked(target);
    pointer(target).put(values, 0, Math.toIntExact(target.length()));
  }

  /** The most floats one {@link #memory} buffer holds: a ByteBuffer has an int's range of bytes. */
  static final long MAX_MEMORY_FLOATS = Integer.MAX_VALUE / Float.BYTES;

  /**
   * Whether an array of {@code floats} elements fits one {@link #memory} buffer; the loops that
   * work in place take ND4J's ops for larger ones (over 2^29 floats, 2 GB).
   */
  static boolean fitsMemory(long floats) {
    return floats <= MAX_MEMORY_FLOATS;
  }

  /**
   * The elements of {@code array}, a float32 array contiguous in c order (a view's own range), in
   * place: a direct buffer over its native memory in the platform's byte order, element i at byte
   * {@code i * Float.BYTES}. Writes go to the array. Valid while the array's memory is (keep the
   * array referenced while the buffer is used). At most {@link #MAX_MEMORY_FLOATS} elements.
   */
  static ByteBuffer memory(INDArray array) {
    requirePacked(array);
    if (!fitsMemory(array.length())) {
      throw new IllegalArgumentException(
          "An array of "
              + array.length()
              + " floats does not fit one buffer (at most "
              + MAX_MEMORY_FLOATS
              + ")");
    }
    FloatPointer range = new FloatPointer(pointer(array));
    range.limit(range.position() + array.length());
    return range.asByteBuffer().order(ByteOrder.nativeOrder());
  }

  private static void requirePacked(INDArray array) {
    if (!isPacked(array)) {
      throw new IllegalArgumentException(
          "Expected a c-order float array, got "
              + array.dataType()
              + " of shape "
              + Arrays.toString(array.shape())
              + ", strides "
              + Arrays.toString(array.stride()));
    }
  }

  /**
   * Whether {@code array} is float32 and contiguous in c order. A view qualifies too: its buffer's
   * address is the native buffer's own, offset included (a reshape of a row-major array is a view).
   */
  static boolean isPacked(INDArray array) {
    return array.dataType() == DataType.FLOAT && isRowMajor(array.shape(), array.stride());
  }

  /** c-order strides; those of axes of size 1 can be anything (ND4J does not fix them). */
  private static boolean isRowMajor(long[] shape, long[] stride) {
    long expected = 1;
    for (int axis = shape.length - 1; axis >= 0; axis--) {
      if (shape[axis] != 1 && stride[axis] != expected) {
        return false;
      }
      expected *= shape[axis];
    }
    return true;
  }

  private static FloatPointer pointer(INDArray array) {
    return (FloatPointer) array.data().addressPointer();
  }
}
