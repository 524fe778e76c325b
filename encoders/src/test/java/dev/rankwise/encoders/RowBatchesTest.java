package dev.rankwise.encoders;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Batches of rows: in order, or by length with the results put back in order. */
class RowBatchesTest {

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager("PyTorch");
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void batchesByLengthPadLittleAndAnswerInTheRowsOrder() {
    int rows = RowBatches.WINDOW + 300;
    int width = 20;
    Random random = new Random(7);
    long[] lengths = new long[rows];
    float[] values = new float[rows * width];
    for (int row = 0; row < rows; row++) {
      lengths[row] = 1 + random.nextInt(width);
      for (int t = 0; t < width; t++) {
        values[row * width + t] = row * 100 + t;
      }
    }
    NDArray input = manager.create(values, new Shape(rows, width));
    List<Long> longest = new ArrayList<>();
    List<Long> finished = new ArrayList<>();
    // Each batch records its longest row: what a function that cuts a batch to it computes on.
    NDArray result = RowBatches.mapByLength(manager, input, lengths, 16, batch -> {
      long[] ids = batch.get(":, 0").toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
      long max = 0;
      for (long id : ids) {
        max = Math.max(max, lengths[(int) (id / 100)]);
      }
      longest.add(max);
      return batch;
    }, finished::add);
    assertArrayEquals(values, result.toFloatArray(), "every row's result in the rows' order");
    assertEquals(rows, finished.get(finished.size() - 1));
    double meanLongest = longest.stream().mapToLong(Long::longValue).average().orElseThrow();
    double meanLength = java.util.Arrays.stream(lengths).average().orElseThrow();
    // Sorted batches: each pads to about its own rows' length, not to the longest of 16 random rows.
    assertEquals(meanLength, meanLongest, 1.5);
    assertThrows(IllegalArgumentException.class,
        () -> RowBatches.mapByLength(manager, input, new long[3], 16, batch -> batch, done -> {}));
  }
}
