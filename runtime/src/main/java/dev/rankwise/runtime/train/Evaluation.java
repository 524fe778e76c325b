package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.SequenceSampler;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * Loss and classification accuracy of a model on a data set, after {@code step} optimizer steps.
 *
 * @param step optimizer steps taken when it was measured
 * @param loss mean loss per example
 * @param accuracy share of examples whose arg-max prediction equals the label
 */
public record Evaluation(int step, double loss, double accuracy) {

  /**
   * Evaluates without gradients, in order, in batches of {@code batchSize}.
   *
   * @param block the model
   * @param data examples whose labels are class indices
   * @param loss the loss to report
   * @param batchSize examples per forward pass
   * @param step the step number to record
   */
  public static Evaluation of(Block block, RandomAccessDataset data, Loss loss, int batchSize, int step) {
    double lossSum = 0;
    long correct = 0;
    long examples = 0;
    try (NDManager manager = NDManager.newBaseManager()) {
      for (Batch batch : data.getData(manager, new BatchSampler(new SequenceSampler(), batchSize, false))) {
        try (batch) {
          NDManager batchManager = batch.getManager();
          NDList predictions =
              block.forward(new ParameterStore(batchManager, false), batch.getData(), false);
          NDArray labels = batch.getLabels().singletonOrThrow();
          long size = labels.getShape().get(0);
          lossSum += loss.evaluate(batch.getLabels(), predictions).getFloat() * size;
          NDArray predicted = predictions.singletonOrThrow().argMax(-1).toType(DataType.INT64, false);
          correct += predicted.eq(labels.toType(DataType.INT64, false)).countNonzero().getLong();
          examples += size;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (TranslateException e) {
      throw new IllegalStateException("cannot read the evaluation data: " + e.getMessage(), e);
    }
    if (examples == 0) {
      throw new IllegalArgumentException("the evaluation data set is empty");
    }
    return new Evaluation(step, lossSum / examples, (double) correct / examples);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "step %d: loss %.4f, accuracy %.4f", step, loss, accuracy);
  }
}
