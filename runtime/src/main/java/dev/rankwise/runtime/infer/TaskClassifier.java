package dev.rankwise.runtime.infer;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.TaskRouterConfig;
import dev.rankwise.runtime.train.ClassifierBlock;
import dev.rankwise.runtime.train.TaskHeads;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Labels texts for the tasks of a multi-task adapted encoder: the encoder with its task adapters,
 * one head per task, each task's labels, and the encoder's text-to-input step. It is rankwise's one
 * inference call: {@code rankwise predict}, {@code rankwise eval} (through the trainer's
 * evaluation), Spark scoring and a DJL {@link Predictor} all run its {@link ClassifierBlock}.
 *
 * <pre>{@code
 * try (BertEncoder encoder = BertEncoder.allMiniLmL6V2(128);
 *     TaskClassifier classifier = TaskClassifier.load(adapterFolder, encoder)) {
 *   Prediction spam = classifier.predict("spam", List.of("WIN a FREE prize")).get(0);
 *   List<Prediction> mixed = classifier.predict(List.of(
 *       new TaskText("spam", "Meeting at 3pm"), new TaskText("finefood", "Stale and tasteless")));
 * }
 * }</pre>
 *
 * <p>Thread-safe: any number of threads may predict at once on one classifier and get exactly the
 * answers they would get one after another. Each call runs on its own {@link Predictor} (its own
 * managers and parameter store), the task ids reach the adapters through a routing context confined
 * to the calling thread, and every parameter is frozen, so no thread's gradient mode records a graph
 * (DJL's PyTorch engine turns gradients off only on the thread that loaded it). Merging adapters
 * into the base ({@code adapted().mergeTask}) changes the weights in place: never while predictions
 * are in flight. The text-to-input step must be thread-safe too.
 */
public final class TaskClassifier implements AutoCloseable {

  /**
   * Rows per forward pass of {@link #predict(List)}, which sorts the rows by length first; a {@link
   * Predictor} takes batches of any size.
   */
  public static final int BATCH_SIZE = 16;

  private final AdaptedModel adapted;
  private final TaskHeads heads;
  private final ClassifierRecord record;
  private final ClassifierTranslator translator;
  private final ZooModel<TaskText, Prediction> model;
  private final NDManager owned;

  private TaskClassifier(AdaptedModel adapted, TaskHeads heads, ClassifierRecord record, TextInputs inputs,
      NDManager owned) {
    this.adapted = adapted;
    this.heads = heads;
    this.record = record;
    this.owned = owned;
    List<String> tasks = record.tasks();
    requireTasks(adapted, heads, record);
    translator = new ClassifierTranslator(tasks, new ArrayList<>(record.labels().values()), inputs);
    ClassifierBlock block = new ClassifierBlock(adapted.block(), heads);
    block.freezeParameters(true);
    Model base = Model.newInstance("rankwise-" + adapted.spec().declaringType());
    base.setBlock(block);
    model = new ZooModel<>(base, translator);
  }

  /** Starts a classifier of a trained model, such as after {@code TaskTrainer.fit}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads a classifier from an adapter folder alone: its declaration is rebuilt from the folder's
   * records, attached to a fresh copy of {@code encoder}, and the adapters and heads are loaded. The
   * classifier owns the copy; the encoder stays the caller's.
   *
   * @throws IOException if the folder is missing, was saved without its labels (the message says
   *     how to save it again), or does not fit the encoder
   * @throws IllegalArgumentException if the adapters were trained on another encoder or with other
   *     settings ({@link #readRecord})
   */
  public static TaskClassifier load(Path directory, TextEncoder encoder) throws IOException {
    ClassifierRecord record = readRecord(directory, encoder);
    AdapterSpec spec = AdapterSpec.read(directory);
    NDManager manager = NDManager.newBaseManager();
    try {
      AdaptedModel adapted = spec.attach(encoder.newBlock(manager));
      Map<String, Integer> classes = new LinkedHashMap<>();
      record.labels().forEach((task, labels) -> classes.put(task, labels.size()));
      TaskHeads heads = new TaskHeads(classes, encoder.features(), manager);
      adapted.include(heads.namedParameters()).load(directory);
      return new TaskClassifier(adapted, heads, record, encoder.inputs(), manager);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Reads the record of the adapters in {@code directory} and checks that they were trained on
   * {@code encoder}: its name, and every saved setting not in {@link
   * TextEncoder#INFORMATIVE_SETTINGS}.
   *
   * @throws IOException if the folder is missing or was saved without its labels
   * @throws IllegalArgumentException if the adapters were trained on another encoder or with other
   *     settings; the message names each difference
   */
  public static ClassifierRecord readRecord(Path directory, TextEncoder encoder) throws IOException {
    ClassifierRecord record = ClassifierRecord.read(directory);
    if (!record.encoder().equals(encoder.name())) {
      throw new IllegalArgumentException("the adapters in " + directory + " were trained on "
          + record.encoder() + ", not on " + encoder.name() + "; load them with that encoder");
    }
    List<String> differences = new ArrayList<>();
    record.encoderSettings().forEach((name, saved) -> {
      Object current = encoder.settings().get(name);
      if (!TextEncoder.INFORMATIVE_SETTINGS.contains(name) && !sameSetting(saved, current)) {
        differences.add(name + " " + saved + " (now " + current + ")");
      }
    });
    if (!differences.isEmpty()) {
      throw new IllegalArgumentException("the adapters in " + directory + " were trained on " + record.encoder()
          + " with other settings: " + String.join(", ", differences) + "; load them with the encoder they"
          + " were trained on");
    }
    return record;
  }

  /** Whether a saved setting equals the encoder's (numbers by value: a file reads them back as its own type). */
  private static boolean sameSetting(Object saved, Object current) {
    if (saved instanceof Number a && current instanceof Number b) {
      return new BigDecimal(a.toString()).compareTo(new BigDecimal(b.toString())) == 0;
    }
    return saved.equals(current);
  }

  /** The tasks, in the order of the heads; a task's id is its index. */
  public List<String> tasks() {
    return record.tasks();
  }

  /**
   * A task's labels, index 0 first.
   *
   * @throws IllegalArgumentException naming the tasks if there is no such task
   */
  public List<String> labels(String task) {
    translator.taskId(task);
    return record.labels().get(task);
  }

  /** The encoder with its adapters: merge a task into it only while no prediction runs. */
  public AdaptedModel adapted() {
    return adapted;
  }

  /** The task heads. */
  public TaskHeads heads() {
    return heads;
  }

  /**
   * The classifier as a DJL model of {@link ClassifierBlock} and its translator: {@code
   * model().newPredictor().batchPredict(rows)} labels a batch of (task, text) rows in one forward
   * pass. A predictor serves one thread at a time. The classifier owns the model.
   */
  public ZooModel<TaskText, Prediction> model() {
    return model;
  }

  /**
   * Labels texts for one task, in batches of {@link #BATCH_SIZE}.
   *
   * @throws IllegalArgumentException naming the tasks if there is no such task, or naming the text
   *     by its position (from 1) if it is blank ({@link TaskText})
   */
  public List<Prediction> predict(String task, List<String> texts) {
    translator.taskId(task);
    List<TaskText> rows = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      try {
        rows.add(new TaskText(task, texts.get(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("text " + (i + 1) + " of " + texts.size() + ": " + e.getMessage(), e);
      }
    }
    return predict(rows);
  }

  /**
   * Labels rows of any tasks, answering in their order, in batches of {@link #BATCH_SIZE} that mix
   * tasks: each row goes through its own task's adapters and head. The rows are batched by length
   * (their texts' characters, sorted), so that a batch, padded to its longest row, pads little: on
   * texts of mixed lengths that labels about 1.5 times the rows per second of batches in arrival
   * order (docs/DESIGN.md §6).
   *
   * @throws IllegalArgumentException naming the tasks if a row's task is not one of them
   */
  public List<Prediction> predict(List<TaskText> rows) {
    rows.forEach(row -> translator.taskId(row.task()));
    if (rows.isEmpty()) {
      return new ArrayList<>();
    }
    Integer[] order = new Integer[rows.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> rows.get(i).text().length()));
    Prediction[] answers = new Prediction[rows.size()];
    try (Predictor<TaskText, Prediction> predictor = model.newPredictor()) {
      for (int from = 0; from < order.length; from += BATCH_SIZE) {
        int to = Math.min(order.length, from + BATCH_SIZE);
        List<TaskText> batch = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
          batch.add(rows.get(order[i]));
        }
        List<Prediction> labelled = predictor.batchPredict(batch);
        for (int i = from; i < to; i++) {
          answers[order[i]] = labelled.get(i - from);
        }
      }
    } catch (TranslateException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e);
    }
    return new ArrayList<>(Arrays.asList(answers));
  }

  /**
   * Saves the adapters and heads with the encoder's name and the labels, so that {@link #load}
   * serves the folder alone.
   */
  public void save(Path directory) throws IOException {
    adapted.include(heads.namedParameters()).save(directory, record);
  }

  /** Closes the DJL model and, for a loaded classifier, the weights it owns. */
  @Override
  public void close() {
    model.close();
    if (owned != null) {
      owned.close();
    }
  }

  private static void requireTasks(AdaptedModel adapted, TaskHeads heads, ClassifierRecord record) {
    List<String> tasks = record.tasks();
    if (!heads.tasks().equals(tasks)) {
      throw new IllegalArgumentException("the labels' tasks " + tasks + " must be the heads' tasks "
          + heads.tasks() + ", in that order");
    }
    for (int task = 0; task < tasks.size(); task++) {
      List<String> labels = record.labels().get(tasks.get(task));
      if (heads.classes(task) >= 0 && labels.size() != heads.classes(task)) {
        throw new IllegalArgumentException("task '" + tasks.get(task) + "' has " + labels.size() + " labels "
            + labels + " but its head has " + heads.classes(task) + " classes");
      }
    }
    List<String> routed = adapted.spec().taskRouter().map(TaskRouterConfig::tasks).orElse(null);
    if (routed == null ? tasks.size() != 1 : !routed.equals(tasks)) {
      throw new IllegalArgumentException(adapted.spec().declaringType() + (routed == null
          ? " declares no @TaskRouter, so its classifier has one task, not " + tasks
          : " routes the tasks " + routed + "; the labels must name them in that order, not " + tasks));
    }
  }

  /** Builds a {@link TaskClassifier} of trained parts: every {@code set} is required. */
  public static final class Builder {
    private AdaptedModel adapted;
    private TaskHeads heads;
    private Map<String, List<String>> labels;
    private TextEncoder encoder;

    private Builder() {}

    /** Sets the encoder with its adapters; its block must read what the encoder's inputs make. */
    public Builder setModel(AdaptedModel adapted) {
      this.adapted = adapted;
      return this;
    }

    /** Sets the heads, one per task, in the order of the model's task router. */
    public Builder setHeads(TaskHeads heads) {
      this.heads = heads;
      return this;
    }

    /** Sets each task's labels (index 0 first), by task, in the order of the heads. */
    public Builder setLabels(Map<String, List<String>> labels) {
      this.labels = labels;
      return this;
    }

    /** Sets the encoder the model was adapted from: its name and its text-to-input step. */
    public Builder setEncoder(TextEncoder encoder) {
      this.encoder = encoder;
      return this;
    }

    /**
     * Validates and returns the classifier; it freezes the model's and the heads' parameters ({@code
     * TaskTrainer.fit} unfreezes the adapters again). The parts stay the caller's.
     *
     * @throws IllegalArgumentException if the labels do not fit the heads or the model's tasks
     */
    public TaskClassifier build() {
      Objects.requireNonNull(adapted, "setModel is required");
      Objects.requireNonNull(heads, "setHeads is required");
      Objects.requireNonNull(labels, "setLabels is required");
      Objects.requireNonNull(encoder, "setEncoder is required");
      return new TaskClassifier(adapted, heads, new ClassifierRecord(encoder.name(), encoder.settings(), labels), encoder.inputs(),
          null);
    }
  }
}
