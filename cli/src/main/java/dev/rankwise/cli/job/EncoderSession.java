package dev.rankwise.cli.job;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.cli.console.ProgressBar;
import dev.rankwise.runtime.train.TaskData;
import dev.rankwise.encoders.RowBatches;
import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.encoders.bert.BertModel;
import dev.rankwise.encoders.bert.TextTokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What every method of a run shares: the base encoder's weights (read once), the tokenized task
 * texts, and the token states of the frozen layers below the adapters, computed once per text
 * and reused by every method, epoch and test pass.
 */
public final class EncoderSession implements AutoCloseable {

  private static final int ENCODE_BATCH = 32;

  private final NDManager manager = NDManager.newBaseManager();
  private final BertEncoder encoder;
  private final List<TaskTexts> tasks;
  private final Map<List<String>, NDArray> packed = new HashMap<>();
  private final Map<PrefixKey, NDArray> prefixes = new HashMap<>();
  private final boolean progress;
  private double cacheSeconds;

  /**
   * A session on {@code encoder}, which it owns and closes; texts are tokenized when first used.
   *
   * @param progress whether to show progress bars on standard error
   */
  public EncoderSession(List<TaskTexts> tasks, BertEncoder encoder, boolean progress) {
    this.tasks = List.copyOf(tasks);
    this.progress = progress;
    this.encoder = encoder;
  }

  /** The tasks, in order. */
  public List<TaskTexts> tasks() {
    return tasks;
  }

  /** The encoder: its name, fresh copies of the model, its tokenizer. */
  public BertEncoder encoder() {
    return encoder;
  }

  /** Each of {@code names}' labels, by task, in that order. */
  public Map<String, List<String>> labels(List<String> names) {
    Map<String, List<String>> labels = new LinkedHashMap<>();
    names.forEach(name -> labels.put(name, task(name).labels()));
    return labels;
  }

  /**
   * The method on this session's base: its targets on the base's top two layers ({@link
   * Method#onBase}).
   */
  public Method onBase(Method method) {
    return onBase(method, Placement.TOP_TWO);
  }

  /** The method on this session's base, its targets placed as {@code placement} says. */
  public Method onBase(Method method, Placement placement) {
    return method.onBase(encoder.config(), placement);
  }

  /** The lowest encoder layer that holds one of the method's adapters (attached to a scratch model). */
  public int firstAdaptedLayer(Method method) throws IOException {
    try (NDManager scratch = NDManager.newBaseManager()) {
      return firstAdaptedLayer(onBase(method).spec().attach(model(scratch)));
    }
  }

  /** Seconds spent so far computing the frozen layers' states. */
  public double cacheSeconds() {
    return cacheSeconds;
  }

  /** A fresh pretrained model in sentence mode, its weights in {@code owner}. */
  public BertModel model(NDManager owner) throws IOException {
    return encoder.newBlock(owner);
  }

  /**
   * The lowest encoder layer that holds an adapter; every layer below it is frozen and its output
   * can be computed once. 0 if an adapter lies outside the layers (in the embeddings).
   */
  public int firstAdaptedLayer(AdaptedModel adapted) {
    int first = Integer.MAX_VALUE;
    for (String path : adapted.layers().keySet()) {
      OptionalInt layer = encoder.config().layout().layerOf(path);
      if (layer.isEmpty()) {
        return 0;
      }
      first = Math.min(first, layer.getAsInt());
    }
    return first == Integer.MAX_VALUE ? 0 : first;
  }

  /**
   * Each task's rows as {@code model} reads them after {@code model.startAt(layer)}: the states of
   * the layers below {@code layer} (computed with {@code model}'s frozen weights the first time),
   * or token ids for layer 0. The arrays belong to the session.
   */
  public List<TaskData> taskData(BertModel model, int layer) {
    return taskData(model, layer, tasks.stream().map(TaskTexts::name).toList());
  }

  /**
   * As {@link #taskData(BertModel, int)}, for the named tasks only, in their order.
   *
   * @throws IllegalArgumentException if the session has no such task
   */
  public List<TaskData> taskData(BertModel model, int layer, List<String> names) {
    List<TaskData> data = new ArrayList<>();
    for (String name : names) {
      TaskTexts task = task(name);
      TaskData rows = new TaskData(task.name(), task.labels().size(),
          rows(model, layer, task.trainTexts()), labels(task.trainLabels()),
          rows(model, layer, task.testTexts()), labels(task.testLabels()));
      data.add(task.hasValidation()
          ? rows.withValidation(rows(model, layer, task.validationTexts()), labels(task.validationLabels()))
          : rows);
    }
    return data;
  }

  /**
   * As {@link #taskData(BertModel, int, List)} for a model that reads packed token ids (layer 0),
   * such as a loaded classifier's.
   */
  public List<TaskData> taskData(List<String> names) {
    return taskData(null, 0, names);
  }

  private TaskTexts task(String name) {
    return tasks.stream().filter(t -> t.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the data holds no task '" + name + "'; it has "
            + tasks.stream().map(TaskTexts::name).toList()));
  }

  private NDArray rows(BertModel model, int layer, List<String> texts) {
    NDArray ids = pack(texts);
    if (layer == 0) {
      return ids;
    }
    PrefixKey key = new PrefixKey(layer, texts);
    NDArray cached = prefixes.get(key);
    if (cached == null) {
      long start = System.nanoTime();
      ProgressBar bar = progress
          ? ProgressBar.onStandardError("frozen layers 0-" + (layer - 1), "texts", ids.getShape().get(0))
          : null;
      cached = RowBatches.mapByLength(manager, ids, TextTokenizer.lengths(ids), ENCODE_BATCH,
          batch -> model.prefixStates(batch, layer),
          done -> {
            if (bar != null) {
              bar.update(done, "");
            }
          });
      if (bar != null) {
        bar.finish(ids.getShape().get(0) + " texts");
      }
      prefixes.put(key, cached);
      cacheSeconds += (System.nanoTime() - start) / 1e9;
    }
    return cached;
  }

  private NDArray pack(List<String> texts) {
    return packed.computeIfAbsent(texts, t -> encoder.inputs().pack(manager, t));
  }

  private NDArray labels(int[] labels) {
    return manager.create(labels).toType(DataType.INT64, false);
  }

  /** The frozen states of these texts below this layer (equal text lists share one entry). */
  private record PrefixKey(int layer, List<String> texts) {}

  @Override
  public void close() {
    encoder.close();
    manager.close();
  }
}
