package dev.rankwise.runtime.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.internal.RoutingContext;
import dev.rankwise.runtime.io.AdapterFileException;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.RoutedBlock;
import dev.rankwise.runtime.route.TaskRouterConfig;
import dev.rankwise.runtime.train.ClassifierBlock;
import dev.rankwise.runtime.train.TaskHeads;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one inference call on a small encoder with task-routed adaptive experts and per-task LoRA:
 * what it computes, mixed-task batches, DJL's Predictor, save and load from the folder alone, and
 * several threads at once.
 */
class TaskClassifierTest extends ManagedArrays {

  private static final List<String> TASKS = List.of("spam", "sentiment", "topic");
  private static final Map<String, List<String>> LABELS = labels();
  private static final AdapterSpec SPEC = AdapterSpec.builder("test.Classifier")
      .target(RankExpertsConfig.builder().setExperts(6, 3).build(), "0")
      .target(LoraConfig.builder().setRanks(2, 3).optPerTask(true).build(), "2")
      .optTaskRouter(new TaskRouterConfig(TASKS, true, 0.1))
      .build();
  private static final List<String> TEXTS = List.of("Win a free prize now", "Meeting moved to 3pm",
      "Stale and tasteless", "Wheat exports rose", "Call me back", "Great taste, would buy again",
      "Corn futures fell", "URGENT: claim your reward");

  private final ToyEncoder encoder = new ToyEncoder();
  private AdaptedModel adapted;
  private TaskHeads heads;

  private static Map<String, List<String>> labels() {
    Map<String, List<String>> labels = new LinkedHashMap<>();
    labels.put("spam", List.of("ham", "spam"));
    labels.put("sentiment", List.of("negative", "neutral", "positive"));
    labels.put("topic", List.of("grain", "other"));
    return labels;
  }

  /** Adapters and heads with random weights, as if trained: every task routes and labels differently. */
  @BeforeEach
  void trained() throws Exception {
    Engine.getInstance().setRandomSeed(5);
    adapted = SPEC.attach(encoder.newBlock(manager), 3);
    Map<String, Integer> classes = new LinkedHashMap<>();
    LABELS.forEach((task, names) -> classes.put(task, names.size()));
    heads = new TaskHeads(classes, ToyEncoder.FEATURES, manager);
    Random random = new Random(7);
    for (var layer : adapted.layers().values()) {
      for (Parameter parameter : layer.adapterParameters().values()) {
        float[] values = new float[Math.toIntExact(parameter.getArray().size())];
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) (random.nextGaussian() * 0.4);
        }
        parameter.getArray().set(values);
      }
    }
  }

  private TaskClassifier classifier() {
    return TaskClassifier.builder().setModel(adapted).setHeads(heads).setLabels(LABELS).setEncoder(encoder).build();
  }

  private static long[] ones(int rows) {
    long[] ids = new long[rows];
    java.util.Arrays.fill(ids, 1);
    return ids;
  }

  private static List<TaskText> mixedRows() {
    List<TaskText> rows = new ArrayList<>();
    for (int i = 0; i < TEXTS.size(); i++) {
      rows.add(new TaskText(TASKS.get(i % TASKS.size()), TEXTS.get(i)));
    }
    return rows;
  }

  @Test
  void predictsWhatTheRoutedForwardHeadAndSoftmaxGiveByHand() {
    try (TaskClassifier classifier = classifier()) {
      List<Prediction> predictions = classifier.predict("sentiment", TEXTS);
      // The computation predict, Spark and the trainer's evaluation each wrote out before.
      float[] expected;
      try (NDManager batch = manager.newSubManager();
          RoutingContext routing = RoutingContext.open(batch.create(ones(TEXTS.size())))) {
        ParameterStore store = new ParameterStore(batch, false);
        NDArray features = adapted.block()
            .forward(store, ToyEncoder.encode(batch, TEXTS), false).singletonOrThrow();
        expected = heads.logits(store, 1, features, false).softmax(-1).toFloatArray();
      }
      for (int row = 0; row < TEXTS.size(); row++) {
        Prediction prediction = predictions.get(row);
        float[] probabilities = java.util.Arrays.copyOfRange(expected, 3 * row, 3 * row + 3);
        assertArrayEquals(probabilities, prediction.probabilities(), "row " + row);
        int best = 0;
        for (int c = 1; c < 3; c++) {
          best = probabilities[c] > probabilities[best] ? c : best;
        }
        assertEquals(LABELS.get("sentiment").get(best), prediction.label());
        assertEquals(probabilities[best], prediction.probability());
        assertEquals("sentiment", prediction.task());
      }
    }
  }

  @Test
  void aMixedBatchRoutesEachRowToItsOwnTask() {
    try (TaskClassifier classifier = classifier()) {
      List<TaskText> rows = mixedRows();
      List<Prediction> mixed = classifier.predict(rows);
      assertEquals(rows.size(), mixed.size());
      boolean tasksDiffer = false;
      for (int row = 0; row < rows.size(); row++) {
        TaskText input = rows.get(row);
        Prediction alone = classifier.predict(input.task(), List.of(input.text())).get(0);
        assertEquals(input.task(), mixed.get(row).task());
        assertEquals(alone.label(), mixed.get(row).label(), "row " + row);
        assertArrayEquals(alone.probabilities(), mixed.get(row).probabilities(), 1e-6f, "row " + row);
        String other = TASKS.get((TASKS.indexOf(input.task()) + 1) % TASKS.size());
        Prediction asOther = classifier.predict(other, List.of(input.text())).get(0);
        tasksDiffer |= !asOther.labels().equals(alone.labels())
            || Math.abs(asOther.probabilities()[0] - alone.probabilities()[0]) > 1e-3;
      }
      assertTrue(tasksDiffer, "the tasks' adapters and heads give different answers");
    }
  }

  @Test
  void rowsBatchedByLengthAreAnsweredInTheirOwnOrder() {
    try (TaskClassifier classifier = classifier()) {
      List<TaskText> rows = new ArrayList<>();
      for (int i = 0; i < 3 * TaskClassifier.BATCH_SIZE + 5; i++) {
        // Lengths that do not follow the order, so that sorting by length moves rows across batches.
        String text = TEXTS.get(i % TEXTS.size()) + " again".repeat((i * 7) % 5);
        rows.add(new TaskText(TASKS.get(i % TASKS.size()), text));
      }
      List<Prediction> answers = classifier.predict(rows);
      assertEquals(rows.size(), answers.size());
      for (int row = 0; row < rows.size(); row++) {
        Prediction alone = classifier.predict(rows.get(row).task(), List.of(rows.get(row).text())).get(0);
        assertEquals(rows.get(row).task(), answers.get(row).task(), "row " + row);
        assertArrayEquals(alone.probabilities(), answers.get(row).probabilities(), 1e-6f, "row " + row);
      }
    }
  }

  @Test
  void runsThroughDjlPredictorsOfTheModelOrOfAnyModelWithItsBlockAndTranslator() throws Exception {
    try (TaskClassifier classifier = classifier();
        Predictor<TaskText, Prediction> zoo = classifier.model().newPredictor();
        Model model = Model.newInstance("mine")) {
      List<Prediction> expected = classifier.predict(mixedRows());
      assertEquals(expected, zoo.batchPredict(mixedRows()));
      assertEquals(expected.get(2), zoo.predict(mixedRows().get(2)));
      model.setBlock(classifier.model().getBlock());
      try (Predictor<TaskText, Prediction> own = model.newPredictor(classifier.model().getTranslator())) {
        assertEquals(expected, own.batchPredict(mixedRows()));
      }
    }
  }

  @Test
  void savedWithItsLabelsItLoadsFromTheFolderAloneAndPredictsTheSame(@TempDir Path folder) throws Exception {
    List<Prediction> expected;
    try (TaskClassifier classifier = classifier()) {
      expected = classifier.predict(mixedRows());
      classifier.save(folder);
    }
    try (TaskClassifier loaded = TaskClassifier.load(folder, new ToyEncoder())) {
      assertEquals(TASKS, loaded.tasks());
      assertEquals(LABELS.get("sentiment"), loaded.labels("sentiment"));
      assertEquals(expected, loaded.predict(mixedRows()));
    }
  }

  @Test
  void threadsPredictingAtOnceGetExactlyTheSequentialAnswers() throws Exception {
    int threads = 4;
    int rounds = 6;
    try (TaskClassifier classifier = classifier()) {
      List<List<TaskText>> work = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        List<TaskText> rows = new ArrayList<>();
        for (int i = 0; i < TEXTS.size(); i++) {
          // Each thread its own mix, so a task id leaking from one thread to another changes answers.
          rows.add(new TaskText(TASKS.get((i + t) % TASKS.size()), TEXTS.get((i * (t + 1)) % TEXTS.size())));
        }
        work.add(rows);
      }
      List<List<Prediction>> sequential = new ArrayList<>();
      work.forEach(rows -> sequential.add(classifier.predict(rows)));

      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<List<Prediction>>>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          List<TaskText> rows = work.get(t);
          Callable<List<List<Prediction>>> task = () -> {
            start.await();
            List<List<Prediction>> answers = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
              answers.add(classifier.predict(rows));
            }
            return answers;
          };
          results.add(pool.submit(task));
        }
        start.countDown();
        for (int t = 0; t < threads; t++) {
          for (List<Prediction> answer : results.get(t).get()) {
            assertEquals(sequential.get(t), answer, "thread " + t);
          }
        }
      } finally {
        pool.shutdownNow();
      }
      for (Pair<String, Parameter> parameter : classifier.model().getBlock().getParameters()) {
        assertFalse(parameter.getValue().getArray().hasGradient(),
            parameter.getKey() + " is frozen, so no thread records a graph whatever its gradient mode");
      }
    }
  }

  @Test
  void anUnknownTaskIsRefusedNamingTheTasks() {
    try (TaskClassifier classifier = classifier()) {
      IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
          () -> classifier.predict(List.of(new TaskText("spam", "hi"), new TaskText("weather", "sunny"))));
      assertEquals("unknown task 'weather'; the classifier's tasks are [spam, sentiment, topic]",
          error.getMessage());
      assertTrue(classifier.predict("topic", List.of()).isEmpty());
    }
  }

  @Test
  void aBlankTextIsRefusedNamingItAsTrainingRefusesIt() {
    try (TaskClassifier classifier = classifier()) {
      IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
          () -> classifier.predict("spam", List.of("Win a free prize now", " \t")));
      assertEquals("text 2 of 2: the text of a spam row is blank; a text to label must not be blank, as"
          + " training's must not", error.getMessage());
      assertThrows(IllegalArgumentException.class, () -> new TaskText("topic", ""));
    }
  }

  @Test
  void labelsMustFitTheHeadsAndTheRouter() {
    Map<String, List<String>> wrongCount = new LinkedHashMap<>(LABELS);
    wrongCount.put("topic", List.of("grain", "corn", "other"));
    IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> TaskClassifier.builder()
        .setModel(adapted).setHeads(heads).setLabels(wrongCount).setEncoder(encoder).build());
    assertEquals("task 'topic' has 3 labels [grain, corn, other] but its head has 2 classes", count.getMessage());
    Map<String, List<String>> reordered = new LinkedHashMap<>();
    List.of("topic", "spam", "sentiment").forEach(task -> reordered.put(task, LABELS.get(task)));
    IllegalArgumentException order = assertThrows(IllegalArgumentException.class, () -> TaskClassifier.builder()
        .setModel(adapted).setHeads(heads).setLabels(reordered).setEncoder(encoder).build());
    assertTrue(order.getMessage().contains("must be the heads' tasks [spam, sentiment, topic]"), order.getMessage());
  }

  @Test
  void aFolderSavedWithoutLabelsSaysWhatIsMissingAndHowToSaveItAgain(@TempDir Path folder) throws Exception {
    adapted.include(heads.namedParameters()).save(folder);
    AdapterFileException error =
        assertThrows(AdapterFileException.class, () -> TaskClassifier.load(folder, encoder));
    assertTrue(error.getMessage().startsWith(folder.resolve("adapter_config.json") + ": no 'encoder' in its"
        + " rankwise section: these adapters were saved without their encoder's name and their tasks' labels"),
        error.getMessage());
    assertTrue(error.getMessage().contains("Save them again with TaskClassifier.save"), error.getMessage());
  }

  @Test
  void adaptersOfAnotherEncoderAreRefused(@TempDir Path folder) throws Exception {
    try (TaskClassifier classifier = classifier()) {
      classifier.save(folder);
    }
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> TaskClassifier.load(folder, new ToyEncoder("test/other-encoder")));
    assertEquals("the adapters in " + folder + " were trained on test/toy-encoder, not on test/other-encoder;"
        + " load them with that encoder", error.getMessage());
  }

  @Test
  void adaptersOfTheSameEncoderWithOtherSettingsAreRefused(@TempDir Path folder) throws Exception {
    try (TaskClassifier classifier = classifier()) {
      classifier.save(folder);
    }
    Map<String, Object> saved = ClassifierRecord.read(folder).encoderSettings();
    assertEquals("mean", saved.get("pooling"));
    assertEquals(16, ((Number) saved.get("max_length")).intValue());
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> TaskClassifier.load(folder,
        new ToyEncoder("test/toy-encoder", Map.of("pooling", "cls", "max_length", 16))));
    assertEquals("the adapters in " + folder + " were trained on test/toy-encoder with other settings: pooling mean"
        + " (now cls); load them with the encoder they were trained on", error.getMessage());
    try (TaskClassifier longer = TaskClassifier.load(folder,
        new ToyEncoder("test/toy-encoder", Map.of("pooling", "mean", "max_length", 64)))) {
      assertEquals(TASKS, longer.tasks(), "the tokens per text may differ");
    }
  }

  @Test
  void theBlockIsForInferenceAndChecksItsTaskIds() {
    ClassifierBlock block = new ClassifierBlock(adapted.block(), heads);
    try (NDManager batch = manager.newSubManager()) {
      NDList inputs = ToyEncoder.encode(batch, List.of("a", "b"));
      ParameterStore store = new ParameterStore(batch, false);
      NDList outOfRange = new NDList(inputs.get(0), batch.create(new long[] {0, 3}));
      IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
          () -> block.forward(store, outOfRange, false));
      assertTrue(range.getMessage().contains("[0, 3)") && range.getMessage().contains("got 3"), range.getMessage());
      NDList good = new NDList(inputs.get(0), batch.create(new long[] {2, 0}));
      IllegalArgumentException training = assertThrows(IllegalArgumentException.class,
          () -> block.forward(store, good, true));
      assertTrue(training.getMessage().startsWith("routed blocks (RoutedBlock, ClassifierBlock) are for inference"),
          training.getMessage());
      NDList output = block.forward(store, good, false);
      assertEquals(1, ClassifierBlock.probabilities(output, 0).getShape().get(0));
      assertEquals(0, ClassifierBlock.probabilities(output, 1).getShape().get(0), "no rows of task 1");
      assertEquals(3, ClassifierBlock.logits(output, 1).getShape().get(1));
    }
  }
}
