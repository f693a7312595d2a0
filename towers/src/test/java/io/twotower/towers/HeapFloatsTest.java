package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HeapFloatsTest {

  /**
   * A view's memory is its own range of the array's: reads and writes land there and only there.
   */
  @Test
  void memoryOfAViewIsItsOwnRangeInPlace() {
    INDArray array = Nd4j.arange(0, 12).castTo(DataType.FLOAT).reshape(3, 4);
    INDArray middleRow = array.get(NDArrayIndex.point(1), NDArrayIndex.all());

    ByteBuffer memory = HeapFloats.memory(middleRow);
    assertThat(memory.capacity()).isEqualTo(4 * Float.BYTES);
    assertThat(memory.getFloat(0)).isEqualTo(4f);
    assertThat(memory.getFloat(3 * Float.BYTES)).isEqualTo(7f);
    memory.putFloat(2 * Float.BYTES, -1f);

    assertThat(array.getFloat(1, 2)).isEqualTo(-1f);
    assertThat(array.sumNumber().floatValue()).isEqualTo(66f - 6f - 1f);
  }

  @Test
  void memoryRefusesArraysNotContiguousInCOrder() {
    INDArray column =
        Nd4j.zeros(DataType.FLOAT, 3, 4).get(NDArrayIndex.all(), NDArrayIndex.point(1));

    assertThatThrownBy(() -> HeapFloats.memory(column))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("c-order float array");
    assertThatThrownBy(() -> HeapFloats.memory(Nd4j.zeros(DataType.DOUBLE, 4)))
        .hasMessageContaining("DOUBLE");
  }
}
