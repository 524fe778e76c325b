package dev.rankwise.cli.job;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.rankwise.encoders.bert.BertModel;
import dev.rankwise.runtime.infer.TaskClassifier;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.train.TaskData;
import dev.rankwise.runtime.train.TaskHeads;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.runtime.train.TaskTrainer;
import dev.rankwise.runtime.train.TrainerListener;
import dev.rankwise.runtime.train.TrainingConfig;
import dev.rankwise.runtime.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds a task to saved adapters ({@code AdaptedModel.addTasks}, PEFT's {@code add_adapter}): loads
 * the folder with its heads onto a fresh copy of the session's pretrained base, adds the task, trains only its
 * parameters and its head on the session's rows of that task (the frozen layers below the adapters
 * read from the session's cache, as {@link MethodTrainer} does), and saves everything, the earlier
 * tasks' adapters and heads unchanged, into a new folder with the extended labels.
 */
public final class TaskAdder {

  private final EncoderSession session;
  private final TrainingConfig config;
  private final TrainerListener listener;

  /**
   * An adder training on the session's rows with these settings.
   *
   * @param session holds the new task's texts
   */
  public TaskAdder(EncoderSession session, TrainingConfig config, TrainerListener listener) {
    this.session = session;
    this.config = config;
    this.listener = listener;
  }

  /**
   * What adding a task did.
   *
   * @param tasks every task the new folder routes, the added one last
   * @param trainedParameters the parameters that trained: the task's adapter parameters and head
   * @param result the run; its metrics are the added task's, on its test rows
   * @param seconds the time the training took
   */
  public record AddedTask(List<String> tasks, long trainedParameters, TrainingResult result, double seconds) {
    /** The added task's test metrics. */
    public TaskMetrics metrics() {
      return result.metrics().get(0);
    }
  }

  /**
   * Adds {@code task} to the adapters in {@code source} and saves the result into {@code target}.
   *
   * @throws IllegalArgumentException if the adapters were trained on another encoder, route the
   *     task already, or cannot add a task without changing the others (shared or decomposed LoRA:
   *     the message names the methods that can)
   * @throws IOException if the folder is missing or does not load
   */
  public AddedTask add(Path source, String task, Path target) throws IOException {
    ClassifierRecord record = TaskClassifier.readRecord(source, session.encoder());
    if (record.tasks().contains(task)) {
      throw new IllegalArgumentException("the adapters in " + source + " route task '" + task + "' already;"
          + " their tasks are " + record.tasks());
    }
    try (NDManager manager = NDManager.newBaseManager()) {
      BertModel model = session.model(manager);
      AdaptedModel trained = AdapterSpec.read(source).attach(model);
      Map<String, Integer> classes = new LinkedHashMap<>();
      record.labels().forEach((name, labels) -> classes.put(name, labels.size()));
      trained.include(new TaskHeads(classes, model.hidden(), manager).namedParameters()).load(source);
      AdaptedModel added;
      try {
        added = trained.addTasks(List.of(task), config.seed());
      } catch (IllegalStateException e) {
        throw new IllegalArgumentException("the adapters in " + source + " cannot take a new task: "
            + e.getMessage(), e);
      }
      int layer = session.firstAdaptedLayer(added);
      List<TaskData> data = session.taskData(model, layer, List.of(task));
      if (layer > 0) {
        model.startAt(layer);
      }
      // The head draws from the engine's generator: seed it, as MethodTrainer does.
      Engine.getInstance().setRandomSeed((int) config.seed());
      TaskHeads head = TaskHeads.forTasks(data, model.hidden(), manager);
      long start = System.nanoTime();
      TrainingResult result =
          TaskTrainer.builder().setConfig(config).optListener(listener).build().fit(added, head, data);
      double seconds = (System.nanoTime() - start) / 1e9;
      Map<String, List<String>> labels = new LinkedHashMap<>(record.labels());
      labels.putAll(session.labels(List.of(task)));
      added.save(target, new ClassifierRecord(record.encoder(), record.encoderSettings(), labels));
      return new AddedTask(List.copyOf(labels.keySet()), added.summary().trainable(), result, seconds);
    }
  }
}
