package dev.rankwise.runtime.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.RandomSampler;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import dev.rankwise.runtime.internal.RoutingContext;
import dev.rankwise.runtime.model.AdaptedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Fine-tunes the trainable parameters of a model on one task: AdamW with warm-up and decay,
 * global gradient-norm clipping, a NaN guard (stop or skip the batch), periodic evaluation and a
 * progress bar. Checkpoints and resuming are {@link MultiTaskTrainer}'s (a single task is a list
 * of one).
 *
 * <p>Each step's arrays live in a sub-manager closed at the end of the step; the optimizer and its
 * state live outside it (DJL creates AdamW's state lazily, and a scope would free it).
 */
public final class FineTuner {

  private final TrainingConfig config;
  private final Loss loss;

  /**
   * Creates a fine-tuner.
   *
   * @param config the run's settings
   * @param loss the training objective, such as {@code Loss.softmaxCrossEntropyLoss()}
   */
  public FineTuner(TrainingConfig config, Loss loss) {
    this.config = config;
    this.loss = loss;
  }

  /**
   * Trains the adapters of a model, the rest frozen.
   *
   * @param model the adapted model
   * @param train the training examples
   * @param validation examples to evaluate on, or null
   */
  public TrainingResult fit(AdaptedModel model, RandomAccessDataset train, RandomAccessDataset validation) {
    model.freezeBase();
    return fit(model.block(), model.trainableParameters(), train, validation);
  }

  /**
   * Trains the given parameters of a block.
   *
   * @param block the model
   * @param trainable the parameters to update (every other one is left as it is)
   * @param train the training examples
   * @param validation examples to evaluate on, or null
   * @throws NonFiniteLossException if a loss or gradient norm is not finite
   */
  public TrainingResult fit(
      Block block, List<Parameter> trainable, RandomAccessDataset train, RandomAccessDataset validation) {
    Engine.getInstance().setRandomSeed((int) config.seed());
    int stepsPerEpoch = Math.toIntExact((train.size() + config.batchSize() - 1) / config.batchSize());
    if (stepsPerEpoch == 0) {
      throw new IllegalArgumentException("the training data set is empty");
    }
    int totalSteps = config.epochs() * stepsPerEpoch;
    if (config.maxSteps() > 0) {
      totalSteps = Math.min(totalSteps, config.maxSteps());
    }
    LearningRateSchedule schedule = new LearningRateSchedule(config, totalSteps);

    List<Double> losses = new ArrayList<>(totalSteps);
    List<Double> rates = new ArrayList<>(totalSteps);
    List<Evaluation> evaluations = new ArrayList<>();
    ProgressBar progress = config.progress() ? ProgressBar.onStandardError("train", totalSteps) : null;
    long start = System.nanoTime();
    int step = 0;
    NonFiniteGuard guard = new NonFiniteGuard(config.onNonFinite());
    try (NDManager runManager = NDManager.newBaseManager()) {
      ParameterUpdate update =
          new ParameterUpdate(ParameterUpdate.byPosition(trainable), config, schedule, runManager);
      epochs:
      for (int epoch = 0; epoch < config.epochs(); epoch++) {
        for (Batch batch : batches(train, runManager)) {
          try (batch) {
            step++;
            int current = step;
            double[] loss = {Double.NaN};
            guard.run(step, () -> loss[0] = step(block, update, batch, current));
            losses.add(loss[0]);
            rates.add(schedule.rate(step));
          }
          if (progress != null) {
            progress.update(step, String.format(Locale.ROOT, "loss %.4f", losses.get(step - 1)));
          }
          if (validation != null && config.evaluateEvery() > 0 && step % config.evaluateEvery() == 0
              && step < totalSteps) {
            evaluations.add(Evaluation.of(block, validation, loss, config.batchSize(), step));
          }
          if (step >= totalSteps) {
            break epochs;
          }
        }
      }
    }
    if (validation != null) {
      evaluations.add(Evaluation.of(block, validation, loss, config.batchSize(), step));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (progress != null) {
      progress.finish(evaluations.isEmpty() ? "" : evaluations.get(evaluations.size() - 1).toString());
    }
    return new TrainingResult(losses, rates, evaluations, seconds, guard.skipped());
  }

  private double step(Block block, ParameterUpdate update, Batch batch, int step) {
    try (NDManager stepManager = batch.getManager().newSubManager()) {
      double lossValue;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector();
          RoutingContext routing = RoutingContext.collectingLosses()) {
        NDList predictions =
            block.forward(new ParameterStore(stepManager, false), batch.getData(), true);
        NDArray objective = loss.evaluate(batch.getLabels(), predictions);
        lossValue = objective.getFloat();
        if (!Double.isFinite(lossValue)) {
          throw new NonFiniteLossException(step, "loss", lossValue);
        }
        // Token-routed experts add their load-balancing loss during the forward pass.
        collector.backward(routing.auxiliaryLoss().map(objective::add).orElse(objective));
      }
      update.apply(step, "the step's rows", stepManager);
      return lossValue;
    }
  }

  private Iterable<Batch> batches(RandomAccessDataset data, NDManager manager) {
    try {
      return data.getData(manager, new BatchSampler(new RandomSampler(), config.batchSize(), false));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (TranslateException e) {
      throw new IllegalStateException("cannot read the training data: " + e.getMessage(), e);
    }
  }
}
