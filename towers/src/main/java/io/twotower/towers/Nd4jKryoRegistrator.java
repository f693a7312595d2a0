package io.twotower.towers;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.nio.ByteOrder;
import org.apache.spark.serializer.KryoRegistrator;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.common.primitives.AtomicDouble;
import org.nd4j.kryo.primitives.AtomicDoubleSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager.Location;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Spark's Kryo registrator for the jobs ({@code spark.kryo.registrator}): ND4J's arrays as blocks
 * of bytes. It registers what ND4J's own {@code org.nd4j.kryo.Nd4jRegistrator} registers, with
 * another serializer for the arrays.
 *
 * <p>Why: parameter averaging moves the parameters and Adam's state through Kryo every round (the
 * broadcast from the driver, each worker's result back to it), 8.4 MB in each direction per worker
 * for the default model on ml-latest-small. ND4J's serializer writes an array one element at a time
 * through a {@code DataOutputStream} (four one-byte writes per float) and reads it back the same
 * way; in the train stage that was a tenth of the workers' sampled time. ND4J's bulk format ({@code
 * BinarySerde}) would do, but it fails on empty arrays and garbles boolean ones.
 */
public final class Nd4jKryoRegistrator implements KryoRegistrator {

  @Override
  public void registerClasses(Kryo kryo) {
    kryo.register(Nd4j.getBackend().getNDArrayClass(), new BlockSerializer());
    kryo.register(AtomicDouble.class, new AtomicDoubleSerializer());
  }

  /**
   * An array as a header (byte order, data type, ordering, shape) and then its elements as they lie
   * in a contiguous copy of it, in the writer's native byte order: a reader of the other order
   * refuses them. A compressed array goes decompressed; string arrays are refused (ND4J's own
   * serializer cannot read them back either).
   */
  static final class BlockSerializer extends Serializer<INDArray> {
    private static final byte LITTLE_ENDIAN = 0;
    private static final byte BIG_ENDIAN = 1;
    private static final int BLOCK = 1 << 16;

    /** One Kryo instance serves one thread at a time, and so does its serializer's block. */
    private final byte[] block = new byte[BLOCK];

    @Override
    public void write(Kryo kryo, Output output, INDArray array) {
      if (array.dataType() == DataType.UTF8) {
        throw new KryoException(
            "ND4J string arrays cannot go through Spark's serializer: send their strings instead");
      }
      INDArray plain = array.isCompressed() ? Nd4j.getCompressor().decompress(array) : array;
      INDArray contiguous =
          plain.isEmpty() || (!plain.isView() && Shape.hasDefaultStridesForShape(plain))
              ? plain
              : plain.dup(plain.ordering());
      output.writeByte(nativeOrder());
      output.writeString(contiguous.dataType().name());
      output.writeByte(contiguous.ordering());
      output.writeBoolean(contiguous.isEmpty());
      long[] shape = contiguous.shape();
      output.writeInt(shape.length, true);
      for (long size : shape) {
        output.writeLong(size, true);
      }
      if (contiguous.isEmpty()) {
        return;
      }
      // On a GPU the newest values may be on the device only.
      Nd4j.getAffinityManager().ensureLocation(contiguous, Location.HOST);
      BytePointer data = bytes(contiguous);
      for (long from = 0; from < data.limit(); from += BLOCK) {
        int length = (int) Math.min(BLOCK, data.limit() - from);
        data.position(from).get(block, 0, length);
        output.writeBytes(block, 0, length);
      }
    }

    @Override
    public INDArray read(Kryo kryo, Input input, Class<INDArray> type) {
      byte order = input.readByte();
      if (order != nativeOrder()) {
        throw new KryoException(
            "An ND4J array written on a machine of the other byte order ("
                + (order == BIG_ENDIAN ? "big" : "little")
                + "-endian) cannot be read here: run the driver and the executors on machines of"
                + " one byte order");
      }
      DataType dataType = DataType.valueOf(input.readString());
      char ordering = (char) input.readByte();
      boolean empty = input.readBoolean();
      long[] shape = new long[input.readInt(true)];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = input.readLong(true);
      }
      if (empty) {
        return shape.length == 0 ? Nd4j.empty(dataType) : Nd4j.create(dataType, shape, ordering);
      }
      INDArray array = Nd4j.createUninitializedDetached(dataType, ordering, shape);
      BytePointer data = bytes(array);
      for (long from = 0; from < data.limit(); from += BLOCK) {
        int length = (int) Math.min(BLOCK, data.limit() - from);
        input.readBytes(block, 0, length);
        data.position(from).put(block, 0, length);
      }
      // Written on the host: a GPU copies them to the device before its first use.
      Nd4j.getAffinityManager().tagLocation(array, Location.HOST);
      return array;
    }

    /** The bytes of a contiguous array's elements, where they lie in its buffer. */
    private static BytePointer bytes(INDArray array) {
      long length = array.length() * array.dataType().width();
      return new BytePointer(array.data().addressPointer())
          .position(0)
          .capacity(length)
          .limit(length);
    }

    private static byte nativeOrder() {
      return ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? BIG_ENDIAN : LITTLE_ENDIAN;
    }
  }
}
