package dev.rankwise.cli;

import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.runtime.infer.Prediction;
import dev.rankwise.runtime.infer.TaskClassifier;
import dev.rankwise.runtime.io.ClassifierRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Labels texts of one task with saved adapters. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Label texts of a task with saved adapters: prints label<TAB>probability per text. Texts"
        + " come from the arguments, or one per line from standard input (blank lines skipped); a blank"
        + " text is refused, as training refuses one.")
final class PredictCommand implements Callable<Integer> {

  @Mixin CommonOptions common;
  @Mixin AdapterOptions adapter;
  @Mixin BaseOptions base;

  @Option(names = "--task", required = true, paramLabel = "NAME", description = "The task to label for.")
  String task;

  @Option(names = "--max-length", paramLabel = "N",
      description = "Tokens per text (default: as many as the adapters were trained with).")
  Integer maxLength;

  @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Texts (default: lines of standard input).")
  List<String> texts = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    Path folder = adapter.folder(common);
    ClassifierRecord record = ClassifierRecord.read(folder);
    List<String> tasks = record.tasks();
    if (!tasks.contains(task)) {
      throw new IllegalArgumentException("--task " + task + " is not routed by the adapters in " + folder
          + "; their tasks are " + tasks);
    }
    List<String> inputs = texts.isEmpty() ? standardInput() : texts;
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("no text to label: give texts as arguments or lines on standard input");
    }
    try (BertEncoder encoder = base.forAdapters().forAdapters(record, maxLength);
        TaskClassifier classifier = TaskClassifier.load(folder, encoder)) {
      for (Prediction prediction : classifier.predict(task, inputs)) {
        System.out.println(prediction);
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
