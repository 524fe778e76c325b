package dev.rankwise.cli.job;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Blocks;
import ai.djl.training.ParameterStore;
import dev.rankwise.encoders.RowBatches;
import dev.rankwise.encoders.bert.BertModel;
import dev.rankwise.runtime.train.TaskData;
import dev.rankwise.runtime.train.TaskHeads;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.runtime.train.TaskTrainer;
import dev.rankwise.runtime.train.TrainingConfig;
import dev.rankwise.runtime.train.TrainingResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The baseline every method must beat: the frozen encoder's sentence features and one logistic
 * regression head per task (no adapter anywhere), each trained by the {@link TaskTrainer} alone on
 * its task, full-batch, with AdamW at a constant rate.
 */
public final class LinearProbe {

  /** The probe's id in results. */
  public static final String ID = "probe";

  private static final int FEATURE_BATCH = 64;

  private final EncoderSession session;
  private final int steps;
  private final double learningRate;
  private final long seed;

  /** A probe trained for {@code steps} full-batch AdamW steps per task. */
  public LinearProbe(EncoderSession session, int steps, double learningRate, long seed) {
    this.session = session;
    this.steps = steps;
    this.learningRate = learningRate;
    this.seed = seed;
  }

  /**
   * Trains and evaluates the probe on every task, reading the frozen layers below {@code layer}
   * from the session's cache.
   */
  public MethodResult run(int layer) throws IOException {
    Engine.getInstance().setRandomSeed((int) seed);
    try (NDManager manager = NDManager.newBaseManager()) {
      BertModel model = session.model(manager);
      List<TaskData> data = session.taskData(model, layer);
      long start = System.nanoTime();
      if (layer > 0) {
        model.startAt(layer);
      }
      // Every head is drawn before any training: the trainer reseeds the engine's generator.
      List<TaskHeads> heads = new ArrayList<>();
      for (TaskData task : data) {
        heads.add(TaskHeads.forTasks(List.of(task), model.hidden(), manager));
      }
      List<Double> losses = new ArrayList<>();
      List<TaskMetrics> metrics = new ArrayList<>();
      // Tasks of the same texts (grain and corn) get the same cached input arrays: encode them once.
      Map<NDArray, NDArray> encoded = new IdentityHashMap<>();
      for (int t = 0; t < data.size(); t++) {
        TaskData task = data.get(t);
        NDArray train = encoded.computeIfAbsent(task.trainInputs(), inputs -> features(model, inputs, manager));
        NDArray test = encoded.computeIfAbsent(task.testInputs(), inputs -> features(model, inputs, manager));
        TaskData features =
            new TaskData(task.name(), task.classes(), train, task.trainLabels(), test, task.testLabels());
        // The encoder's features are computed once; the model the trainer sees is the identity on them.
        TrainingResult result = TaskTrainer.builder().setConfig(config(task)).build()
            .fit(Blocks.identityBlock(), heads.get(t), List.of(features));
        for (int i = 0; i < result.losses().size(); i++) {
          double value = result.losses().get(i) / data.size();
          if (losses.size() <= i) {
            losses.add(value);
          } else {
            losses.set(i, losses.get(i) + value);
          }
        }
        metrics.addAll(result.metrics());
      }
      return new MethodResult(ID, "frozen encoder + linear probe", 0, losses, metrics, Map.of(),
          (System.nanoTime() - start) / 1e9, List.of());
    }
  }

  /** Full batches of the task's rows in their order, a constant rate, no clipping: {@code steps} steps. */
  private TrainingConfig config(TaskData task) {
    return TrainingConfig.builder()
        .setLearningRate(learningRate)
        .optEpochs(steps)
        .optBatchSize(Math.toIntExact(task.trainRows()))
        .optShuffle(false)
        .optDecay(TrainingConfig.Decay.CONSTANT, 1)
        .optMaxGradNorm(0)
        .optSeed(seed)
        .build();
  }

  private static NDArray features(BertModel model, NDArray inputs, NDManager manager) {
    return RowBatches.map(manager, inputs, FEATURE_BATCH, batch -> model.forward(
        new ParameterStore(batch.getManager(), false), new NDList(batch), false).singletonOrThrow());
  }
}
