package dev.rankwise.runtime.infer;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.rankwise.runtime.train.ClassifierBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link ClassifierBlock}'s translator: a batch of (task, text) rows becomes the encoder's
 * inputs and the task ids, and the block's per-task probabilities become one {@link Prediction}
 * per row, in row order. {@code Predictor.batchPredict} runs a whole batch in one forward pass.
 */
final class ClassifierTranslator implements Translator<TaskText, Prediction> {

  private static final String TASK_IDS = "rankwise.taskIds";

  private final List<String> tasks;
  private final List<List<String>> labels;
  private final TextInputs inputs;

  ClassifierTranslator(List<String> tasks, List<List<String>> labels, TextInputs inputs) {
    this.tasks = List.copyOf(tasks);
    this.labels = List.copyOf(labels);
    this.inputs = inputs;
  }

  /** The task's index; an error lists the tasks. */
  int taskId(String task) {
    int id = tasks.indexOf(task);
    if (id < 0) {
      throw new IllegalArgumentException("unknown task '" + task + "'; the classifier's tasks are " + tasks);
    }
    return id;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, TaskText input) {
    return batchProcessInput(ctx, List.of(input));
  }

  @Override
  public Prediction processOutput(TranslatorContext ctx, NDList output) {
    return batchProcessOutput(ctx, output).get(0);
  }

  @Override
  public NDList batchProcessInput(TranslatorContext ctx, List<TaskText> rows) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("a batch needs at least one (task, text) row");
    }
    long[] taskIds = new long[rows.size()];
    List<String> texts = new ArrayList<>(rows.size());
    for (int row = 0; row < taskIds.length; row++) {
      taskIds[row] = taskId(rows.get(row).task());
      texts.add(rows.get(row).text());
    }
    NDManager manager = ctx.getNDManager();
    NDList batch = new NDList(inputs.encode(manager, texts));
    batch.add(manager.create(taskIds));
    ctx.setAttachment(TASK_IDS, taskIds);
    return batch;
  }

  @Override
  public List<Prediction> batchProcessOutput(TranslatorContext ctx, NDList output) {
    long[] taskIds = (long[]) ctx.getAttachment(TASK_IDS);
    float[][] probabilities = new float[tasks.size()][];
    int[] next = new int[tasks.size()];
    List<Prediction> predictions = new ArrayList<>(taskIds.length);
    for (long id : taskIds) {
      int task = (int) id;
      if (probabilities[task] == null) {
        probabilities[task] = ClassifierBlock.probabilities(output, task).toFloatArray();
      }
      int classes = labels.get(task).size();
      int from = classes * next[task]++;
      float[] row = new float[classes];
      System.arraycopy(probabilities[task], from, row, 0, classes);
      predictions.add(Prediction.best(tasks.get(task), labels.get(task), row));
    }
    return predictions;
  }

  /**
   * Not null, so that {@code Predictor.batchPredict} hands the whole batch to {@link
   * #batchProcessInput}; the batchifier itself is never called.
   */
  @Override
  public Batchifier getBatchifier() {
    return Batchifier.STACK;
  }
}
