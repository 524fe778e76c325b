package dev.rankwise.runtime.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Three binary tasks on the same 8 inputs, each along its own direction, and a small encoder with
 * task-routed rank experts on one layer and LoRA with dropout on the other: everything a step
 * draws at random (rows, dropout) and every kind of trained state (adapters, routing, heads).
 */
final class ToyTasks {

  static final List<String> TASKS = List.of("first", "second", "third");

  private ToyTasks() {}

  /** The three tasks with {@code rows} training and test rows each. */
  static List<TaskData> tasks(NDManager manager, int rows) {
    Random random = new Random(3);
    List<TaskData> tasks = new ArrayList<>();
    for (int t = 0; t < TASKS.size(); t++) {
      float[][] split = new float[2][];
      float[][] labels = new float[2][];
      for (int s = 0; s < 2; s++) {
        split[s] = new float[rows * 8];
        labels[s] = new float[rows];
        for (int i = 0; i < rows; i++) {
          for (int j = 0; j < 8; j++) {
            split[s][i * 8 + j] = (float) random.nextGaussian();
          }
          labels[s][i] = split[s][i * 8 + 2 * t] - split[s][i * 8 + 2 * t + 1] > 0 ? 1 : 0;
        }
      }
      tasks.add(new TaskData(TASKS.get(t), 2,
          manager.create(split[0], new Shape(rows, 8)), manager.create(labels[0]),
          manager.create(split[1], new Shape(rows, 8)), manager.create(labels[1])));
    }
    return tasks;
  }

  /** A freshly initialised encoder with its adapters, the same for the same seed. */
  static AdaptedModel model(NDManager manager, long seed) {
    Engine.getInstance().setRandomSeed((int) seed);
    SequentialBlock encoder = new SequentialBlock()
        .add(Linear.builder().setUnits(16).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(16).build());
    encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
    AdapterSpec spec = AdapterSpec.builder("test.Toy")
        .target(RankExpertsConfig.builder().setExperts(6, 3).build(), "0")
        .target(LoraConfig.builder().setRanks(4, 4).optDropout(0.2).build(), "2")
        .optTaskRouter(new TaskRouterConfig(TASKS, true, 0.1))
        .build();
    return spec.attach(encoder, seed);
  }

  /** One head per task on the encoder's 16 features. */
  static TaskHeads heads(NDManager manager) {
    Map<String, Integer> classes = new LinkedHashMap<>();
    TASKS.forEach(task -> classes.put(task, 2));
    return new TaskHeads(classes, 16, manager);
  }

  /** A trainer sharing batches equally among the tasks. */
  static TaskTrainer trainer(TrainingConfig config, Checkpointing checkpointing) {
    return trainer(config, checkpointing, TrainerListener.NONE);
  }

  /** The same, reporting to {@code listener}. */
  static TaskTrainer trainer(TrainingConfig config, Checkpointing checkpointing, TrainerListener listener) {
    return TaskTrainer.builder().setConfig(config).optSampling(new TaskSampling.RoundRobin())
        .optCheckpointing(checkpointing).optListener(listener).build();
  }

  /** Settings of a short run. */
  static TrainingConfig.Builder config(int steps) {
    return TrainingConfig.builder().setLearningRate(2e-2).optEpochs(100).optMaxSteps(steps)
        .optBatchSize(24).optWarmupSteps(3);
  }
}
