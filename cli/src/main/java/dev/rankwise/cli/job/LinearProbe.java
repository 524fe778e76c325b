package dev.rankwise.cli.job;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.rankwise.runtime.train.TaskData;
import dev.rankwise.runtime.train.TaskHeads;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.encoders.minilm.MiniLm;
import dev.rankwise.encoders.minilm.RowBatches;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The baseline every method must beat: the frozen encoder's sentence features and one logistic
 * regression head per task, trained full-batch with AdamW (no adapter anywhere).
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
      MiniLm model = session.model(manager);
      List<TaskData> data = session.taskData(model, layer);
      long start = System.nanoTime();
      if (layer > 0) {
        model.startAt(layer);
      }
      TaskHeads heads = TaskHeads.forTasks(data, MiniLm.HIDDEN, manager);
      List<Double> losses = new ArrayList<>();
      List<TaskMetrics> metrics = new ArrayList<>();
      // Tasks of the same texts (grain and corn) get the same cached input arrays: encode them once.
      Map<NDArray, NDArray> encoded = new IdentityHashMap<>();
      for (int t = 0; t < data.size(); t++) {
        TaskData task = data.get(t);
        NDArray train = encoded.computeIfAbsent(task.trainInputs(), inputs -> features(model, inputs, manager));
        NDArray test = encoded.computeIfAbsent(task.testInputs(), inputs -> features(model, inputs, manager));
        List<Double> taskLosses = fit(heads, t, train, task.trainLabels(), manager);
        for (int i = 0; i < taskLosses.size(); i++) {
          double value = taskLosses.get(i) / data.size();
          if (losses.size() <= i) {
            losses.add(value);
          } else {
            losses.set(i, losses.get(i) + value);
          }
        }
        metrics.add(evaluate(heads, t, task, test, manager));
      }
      return new MethodResult(ID, "frozen encoder + linear probe", 0, losses, metrics, Map.of(),
          (System.nanoTime() - start) / 1e9, List.of());
    }
  }

  private static NDArray features(MiniLm model, NDArray inputs, NDManager manager) {
    return RowBatches.map(manager, inputs, FEATURE_BATCH, batch -> model.forward(
        new ParameterStore(batch.getManager(), false), new NDList(batch), false).singletonOrThrow());
  }

  private List<Double> fit(TaskHeads heads, int task, NDArray features, NDArray labels, NDManager manager) {
    Optimizer optimizer = Optimizer.adamW().optLearningRateTracker(Tracker.fixed((float) learningRate)).build();
    List<Parameter> parameters = heads.namedParameters().entrySet().stream()
        .filter(e -> e.getKey().startsWith("heads." + heads.tasks().get(task) + "."))
        .map(Map.Entry::getValue).toList();
    parameters.forEach(p -> p.getArray().setRequiresGradient(true));
    Loss loss = Loss.softmaxCrossEntropyLoss();
    List<Double> losses = new ArrayList<>();
    for (int step = 0; step < steps; step++) {
      try (NDManager stepManager = manager.newSubManager();
          GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        ParameterStore store = new ParameterStore(stepManager, false);
        NDArray logits = heads.logits(store, task, features, true);
        NDArray value = loss.evaluate(new NDList(labels), new NDList(logits));
        losses.add((double) value.getFloat());
        collector.backward(value);
        for (Parameter parameter : parameters) {
          NDArray gradient = parameter.getArray().getGradient();
          gradient.attach(stepManager);
          optimizer.update(parameter.getId(), parameter.getArray(), gradient);
        }
      }
    }
    return losses;
  }

  private static TaskMetrics evaluate(TaskHeads heads, int task, TaskData data, NDArray test, NDManager manager) {
    try (NDManager evalManager = manager.newSubManager()) {
      NDArray logits = heads.logits(new ParameterStore(evalManager, false), task, test, false);
      double value = Loss.softmaxCrossEntropyLoss().evaluate(new NDList(data.testLabels()), new NDList(logits))
          .getFloat();
      long[] predicted = logits.argMax(-1).toType(DataType.INT64, false).toLongArray();
      long[] truth = data.testLabels().toType(DataType.INT64, false).toLongArray();
      return TaskMetrics.of(data.name(), value, predicted, truth, data.classes());
    }
  }
}
