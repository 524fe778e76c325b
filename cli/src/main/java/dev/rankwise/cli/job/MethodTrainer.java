package dev.rankwise.cli.job;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.train.Checkpointing;
import dev.rankwise.runtime.train.TaskData;
import dev.rankwise.runtime.train.TaskHeads;
import dev.rankwise.runtime.train.TaskSampling;
import dev.rankwise.runtime.train.TaskTrainer;
import dev.rankwise.runtime.train.TrainerListener;
import dev.rankwise.runtime.train.TrainingConfig;
import dev.rankwise.runtime.train.TrainingResult;
import dev.rankwise.encoders.bert.BertModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Trains one method on every task of a session: a fresh pretrained base, the method's adapters
 * attached, the frozen layers below them read from the session's cache, one head per task; then
 * evaluates each task on its test rows and saves adapters and heads.
 */
public final class MethodTrainer {

  private final EncoderSession session;
  private final TrainingConfig config;
  private final TaskSampling sampling;
  private final TrainerListener listener;
  private final Placement placement;

  /** A trainer for the session's tasks with these settings and this way of mixing batches, silent. */
  public MethodTrainer(EncoderSession session, TrainingConfig config, TaskSampling sampling) {
    this(session, config, sampling, TrainerListener.NONE);
  }

  /** The same, reporting steps, evaluations and checkpoints to {@code listener}. */
  public MethodTrainer(EncoderSession session, TrainingConfig config, TaskSampling sampling,
      TrainerListener listener) {
    this(session, config, sampling, listener, Placement.TOP_TWO);
  }

  private MethodTrainer(EncoderSession session, TrainingConfig config, TaskSampling sampling,
      TrainerListener listener, Placement placement) {
    this.session = session;
    this.config = config;
    this.sampling = sampling;
    this.listener = listener;
    this.placement = placement;
  }

  /** The same trainer, the methods' adapters placed as {@code placement} says (default: the top two layers). */
  public MethodTrainer placed(Placement placement) {
    return new MethodTrainer(session, config, sampling, listener, placement);
  }

  /**
   * Trains and evaluates the method on the tasks it routes (from the session's data), and saves its
   * adapters and heads with the encoder's name and the labels into {@code adapters} (when not null),
   * which {@code TaskClassifier.load} serves.
   *
   * @throws IllegalArgumentException if the session lacks a task the method routes
   */
  public MethodResult train(Method method, Path adapters) throws IOException {
    return train(method, adapters, Checkpointing.none());
  }

  /**
   * As {@link #train(Method, Path)}, with checkpoints, resuming and stopping as {@code
   * checkpointing} says.
   *
   * @throws dev.rankwise.runtime.train.TrainingStoppedException on a requested stop, after saving
   */
  public MethodResult train(Method method, Path adapters, Checkpointing checkpointing) throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      BertModel model = session.model(manager);
      AdaptedModel adapted = session.onBase(method, placement).spec().attach(model, config.seed());
      if (method.frozenRouting()) {
        adapted.freezeRouting();
      }
      long adapterParameters = adapted.summary().trainable();
      int layer = session.firstAdaptedLayer(adapted);
      List<TaskData> data = session.taskData(model, layer, method.tasks());
      if (layer > 0) {
        model.startAt(layer);
      }
      // The heads draw from the engine's generator: seed it here, so that a run depends on its own
      // seed only, not on what ran before it in the same process.
      Engine.getInstance().setRandomSeed((int) config.seed());
      TaskHeads heads = TaskHeads.forTasks(data, model.hidden(), manager);
      long start = System.nanoTime();
      TrainingResult result = TaskTrainer.builder().setConfig(config).optSampling(sampling)
          .optCheckpointing(checkpointing).optListener(listener).build().fit(adapted, heads, data);
      double seconds = (System.nanoTime() - start) / 1e9;
      if (adapters != null) {
        // With the encoder's name and the labels, the folder is served on its own (TaskClassifier.load).
        adapted.save(adapters, new ClassifierRecord(session.encoder().name(), session.encoder().settings(), session.labels(method.tasks())));
      }
      return new MethodResult(method.id(), method.label(), adapterParameters, result.losses(),
          result.metrics(), adapted.selectedExperts(), seconds, result.skippedSteps());
    }
  }
}
