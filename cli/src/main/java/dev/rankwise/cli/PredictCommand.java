package dev.rankwise.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.route.RoutingContext;
import dev.rankwise.cli.job.EncoderSession;
import dev.rankwise.cli.job.Method;
import dev.rankwise.cli.job.MethodTrainer;
import dev.rankwise.cli.job.TaskTexts;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Labels texts of one task with saved adapters. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Label texts of a task with a method's saved adapters: prints label<TAB>probability per"
        + " text. Texts come from the arguments, or one per line from standard input.")
final class PredictCommand implements Callable<Integer> {

  private static final int BATCH = 32;

  @Mixin CommonOptions common;
  @Mixin AdapterOptions adapter;

  @Option(names = "--task", required = true, paramLabel = "NAME", description = "The task to label for.")
  String task;

  @Option(names = "--max-length", paramLabel = "N", defaultValue = "128",
      description = "Tokens per text. Default: ${DEFAULT-VALUE}.")
  int maxLength;

  @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Texts (default: lines of standard input).")
  List<String> texts = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    Method method = adapter.method();
    int taskId = method.tasks().indexOf(task);
    if (taskId < 0) {
      throw new IllegalArgumentException("--task " + task + " is not routed by " + method.id()
          + "; its tasks are " + method.tasks());
    }
    List<String> inputs = texts.isEmpty() ? standardInput() : texts;
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("no text to label: give texts as arguments or lines on standard input");
    }
    List<TaskTexts> tasks = TaskTexts.labelsOnly(common.data, method.tasks());
    List<String> labels = tasks.get(taskId).labels();
    try (EncoderSession session = new EncoderSession(tasks, maxLength, false);
        NDManager manager = NDManager.newBaseManager()) {
      MethodTrainer.Loaded loaded = MethodTrainer.load(session, method, adapter.folder(common), manager);
      for (int from = 0; from < inputs.size(); from += BATCH) {
        List<String> batch = inputs.subList(from, Math.min(inputs.size(), from + BATCH));
        try (NDManager batchManager = manager.newSubManager()) {
          NDArray packed = session.tokenizer().pack(batchManager, batch);
          long[] ids = new long[batch.size()];
          Arrays.fill(ids, taskId);
          try (RoutingContext routing = RoutingContext.open(batchManager.create(ids))) {
            ParameterStore store = new ParameterStore(batchManager, false);
            NDArray features = loaded.model().forward(store, new NDList(packed), false).singletonOrThrow();
            NDArray probabilities = loaded.heads().logits(store, taskId, features, false).softmax(-1);
            for (int row = 0; row < batch.size(); row++) {
              NDArray p = probabilities.get(row);
              int best = (int) p.argMax().getLong();
              System.out.printf(Locale.ROOT, "%s\t%.4f%n", labels.get(best), p.getFloat(best));
            }
          }
        }
      }
    }
    return 0;
  }

  private static List<String> standardInput() throws java.io.IOException {
    List<String> lines = new ArrayList<>();
    BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      if (!line.isBlank()) {
        lines.add(line);
      }
    }
    return lines;
  }
}
