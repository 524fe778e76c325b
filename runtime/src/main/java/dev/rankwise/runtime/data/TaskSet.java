package dev.rankwise.runtime.data;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder of task data: the splits as {@code <split>.jsonl} or {@code <split>.csv} files (CSV with
 * a header row naming the columns) and a {@value #DECLARATION_FILE}
 * that declares the tasks labelled in them, so that adding a task takes its files and a
 * declaration, no code. Several tasks may share the files (Reuters' {@code grain} and {@code corn}
 * are two label fields of the same lines).
 *
 * <pre>{@code
 * {"tasks": [
 *   {"name": "grain", "textField": "text", "labelField": "grain", "labels": ["0", "1"]},
 *   {"name": "corn", "textField": "text", "labelField": "corn", "labels": ["0", "1"]}
 * ]}
 * }</pre>
 */
public final class TaskSet {

  /** The name of the declaration file in a set's folder. */
  public static final String DECLARATION_FILE = "tasks.json";

  private static final List<String> SPLIT_SUFFIXES = List.of(".jsonl", ".csv");
  private static final Pattern SPLIT_NAME = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern GSON_LINE = Pattern.compile(" at line (\\d+) column");
  private static final Set<String> TASK_KEYS = Set.of("name", "textField", "labelField", "labels");
  private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);

  private final Path directory;
  private final Map<String, TaskDescriptor> tasks;

  private TaskSet(Path directory, Map<String, TaskDescriptor> tasks) {
    this.directory = directory;
    this.tasks = tasks;
  }

  /**
   * Loads the set in a folder from its {@value #DECLARATION_FILE}.
   *
   * @param directory the set's folder
   * @return the set
   * @throws TaskFileException if the declaration is missing or malformed
   * @throws IOException if it cannot be read
   */
  public static TaskSet load(Path directory) throws IOException {
    Path file = directory.resolve(DECLARATION_FILE);
    JsonElement root;
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      JsonReader reader = new JsonReader(in);
      reader.setStrictness(Strictness.STRICT);
      root = JSON.read(reader);
      if (!DataChecks.atEnd(reader)) {
        throw new TaskFileException(
            file, 0, "malformed JSON: more text after the JSON object; " + "remove it");
      }
    } catch (NoSuchFileException e) {
      throw new TaskFileException(
          file,
          0,
          "no task declaration; a task set's folder needs a "
              + DECLARATION_FILE
              + " such as {\"tasks\": [{\"name\": \"spam\", \"textField\": \"text\", "
              + "\"labelField\": \"label\", \"labels\": [\"ham\", \"spam\"]}]}");
    } catch (MalformedInputException e) {
      throw new TaskFileException(file, 0, "not valid UTF-8; save the declaration as UTF-8");
    } catch (MalformedJsonException | JsonParseException | IllegalStateException e) {
      String reason = DataChecks.gsonReason(e, false);
      Matcher position = GSON_LINE.matcher(reason);
      long line = position.find() ? Long.parseLong(position.group(1)) : 0;
      throw new TaskFileException(
          file, line, "malformed JSON: " + reason + "; fix the declaration");
    }
    return new TaskSet(directory, parseTasks(file, root));
  }

  private static Map<String, TaskDescriptor> parseTasks(Path file, JsonElement root)
      throws TaskFileException {
    if (!root.isJsonObject()
        || !root.getAsJsonObject().has("tasks")
        || !root.getAsJsonObject().get("tasks").isJsonArray()
        || root.getAsJsonObject().size() != 1) {
      throw new TaskFileException(
          file,
          0,
          "must be one JSON object with only a \"tasks\" array, "
              + "got "
              + abbreviate(root)
              + "; see TaskSet's documentation for the format");
    }
    JsonArray array = root.getAsJsonObject().getAsJsonArray("tasks");
    if (array.isEmpty()) {
      throw new TaskFileException(file, 0, "\"tasks\" is empty; declare at least one task");
    }
    Map<String, TaskDescriptor> tasks = new LinkedHashMap<>();
    for (int i = 0; i < array.size(); i++) {
      String where = "tasks[" + i + "]";
      TaskDescriptor task = parseTask(file, where, array.get(i));
      if (tasks.put(task.name(), task) != null) {
        throw new TaskFileException(
            file,
            0,
            where
                + ": task name "
                + DataChecks.quoted(task.name())
                + " is declared twice; task names must be unique");
      }
    }
    return tasks;
  }

  private static TaskDescriptor parseTask(Path file, String where, JsonElement element)
      throws TaskFileException {
    if (!element.isJsonObject()) {
      throw new TaskFileException(
          file,
          0,
          where + " must be a JSON object with " + TASK_KEYS + ", got " + abbreviate(element));
    }
    JsonObject object = element.getAsJsonObject();
    for (String key : object.keySet()) {
      if (!TASK_KEYS.contains(key)) {
        throw new TaskFileException(
            file,
            0,
            where + " has unknown key " + DataChecks.quoted(key) + "; the keys are " + TASK_KEYS);
      }
    }
    try {
      return new TaskDescriptor(
          string(file, where, object, "name"),
          string(file, where, object, "textField"),
          string(file, where, object, "labelField"),
          strings(file, where, object, "labels"));
    } catch (IllegalArgumentException e) {
      throw new TaskFileException(file, 0, where + ": " + e.getMessage());
    }
  }

  private static String string(Path file, String where, JsonObject object, String key)
      throws TaskFileException {
    JsonElement value = object.get(key);
    if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
      throw new TaskFileException(
          file,
          0,
          where
              + "."
              + key
              + " must be a JSON string, got "
              + (value == null ? "nothing" : abbreviate(value)));
    }
    return value.getAsString();
  }

  private static List<String> strings(Path file, String where, JsonObject object, String key)
      throws TaskFileException {
    JsonElement value = object.get(key);
    if (value == null || !value.isJsonArray()) {
      throw new TaskFileException(
          file,
          0,
          where
              + "."
              + key
              + " must be an array of strings "
              + "in class-index order, got "
              + (value == null ? "nothing" : abbreviate(value)));
    }
    List<String> result = new ArrayList<>();
    for (JsonElement item : value.getAsJsonArray()) {
      if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isString()) {
        throw new TaskFileException(
            file,
            0,
            where
                + "."
                + key
                + " must hold strings (write a "
                + "numeric label as \"1\"), got "
                + abbreviate(item));
      }
      result.add(item.getAsString());
    }
    return result;
  }

  private static String abbreviate(JsonElement element) {
    String text = element.toString();
    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
  }

  /**
   * Loads every task set in the sub-folders of a data folder that hold a {@value
   * #DECLARATION_FILE}, ordered by folder name; or, if the folder holds a {@value
   * #DECLARATION_FILE} itself, that one set.
   *
   * @param dataRoot the data folder, or a set's own folder
   * @return the sets
   * @throws TaskFileException if a declaration is malformed, or two sets declare the same task
   * @throws IOException if the folder cannot be read
   */
  public static List<TaskSet> discover(Path dataRoot) throws IOException {
    if (Files.isRegularFile(dataRoot.resolve(DECLARATION_FILE))) {
      return List.of(load(dataRoot));
    }
    List<Path> folders;
    try (Stream<Path> children = Files.list(dataRoot)) {
      folders =
          children.filter(p -> Files.isRegularFile(p.resolve(DECLARATION_FILE))).sorted().toList();
    } catch (NoSuchFileException e) {
      throw new TaskFileException(
          dataRoot, 0, "no such folder; give the folder that holds the task sets");
    }
    List<TaskSet> sets = new ArrayList<>();
    Map<String, Path> owners = new HashMap<>();
    for (Path folder : folders) {
      TaskSet set = load(folder);
      for (String task : set.tasks.keySet()) {
        Path other = owners.putIfAbsent(task, folder);
        if (other != null) {
          throw new TaskFileException(
              folder.resolve(DECLARATION_FILE),
              0,
              "task "
                  + DataChecks.quoted(task)
                  + " is also declared in "
                  + other.resolve(DECLARATION_FILE)
                  + "; task names must be unique across sets");
        }
      }
      sets.add(set);
    }
    return sets;
  }

  /**
   * The set among {@code sets} that declares {@code task}.
   *
   * @param dataRoot the folder the sets were discovered in, for the message
   * @throws IllegalArgumentException listing the declared tasks if no set declares it
   */
  public static TaskSet declaring(List<TaskSet> sets, String task, Path dataRoot) {
    return sets.stream().filter(set -> set.tasks.containsKey(task)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no task set under " + dataRoot
            + " declares task '" + task + "' (in a tasks.json); declared: "
            + sets.stream().flatMap(set -> set.tasks().stream()).map(TaskDescriptor::name).toList()));
  }

  /** The set's name: its folder's name. */
  public String name() {
    return String.valueOf(directory.getFileName());
  }

  /** The set's folder. */
  public Path directory() {
    return directory;
  }

  /** The declared tasks, in declaration order. */
  public List<TaskDescriptor> tasks() {
    return List.copyOf(tasks.values());
  }

  /**
   * Returns a declared task.
   *
   * @throws IllegalArgumentException if the set declares no task of that name
   */
  public TaskDescriptor task(String name) {
    TaskDescriptor task = tasks.get(name);
    if (task == null) {
      throw new IllegalArgumentException(
          "task set "
              + DataChecks.quoted(name())
              + " declares no task "
              + DataChecks.quoted(name)
              + "; its tasks are "
              + tasks.keySet());
    }
    return task;
  }

  /**
   * Returns the file of a split: {@code <split>.jsonl}, or {@code <split>.csv} if only that exists
   * (the {@code .jsonl} name when neither does).
   *
   * @throws IllegalArgumentException if the split name is not letters, digits, {@code _} or {@code
   *     -}, or both files exist
   */
  public Path file(String split) {
    if (split == null || !SPLIT_NAME.matcher(split).matches()) {
      throw new IllegalArgumentException(
          "split must be letters, digits, _ or -, such as \"train\", got "
              + DataChecks.quoted(split));
    }
    List<Path> present = SPLIT_SUFFIXES.stream().map(suffix -> directory.resolve(split + suffix))
        .filter(Files::exists).toList();
    if (present.size() > 1) {
      throw new IllegalArgumentException("task set " + DataChecks.quoted(name()) + " has both " + present
          + " for split " + DataChecks.quoted(split) + "; keep one");
    }
    return present.isEmpty() ? directory.resolve(split + SPLIT_SUFFIXES.get(0)) : present.get(0);
  }

  /** The splits present: the names of the {@code .jsonl} and {@code .csv} files in the set's folder, sorted. */
  public List<String> splits() throws IOException {
    try (Stream<Path> children = Files.list(directory)) {
      return children
          .map(p -> String.valueOf(p.getFileName()))
          .flatMap(n -> SPLIT_SUFFIXES.stream().filter(n::endsWith)
              .map(suffix -> n.substring(0, n.length() - suffix.length())))
          .distinct()
          .sorted()
          .toList();
    }
  }

  /**
   * Reads one split of a task, failing at its first malformed line.
   *
   * @param task the task's name
   * @param split the split's name, such as {@code "train"}
   * @return the examples in file order
   * @throws TaskFileException if the split is missing or a line is malformed
   * @throws IOException if the file cannot be read
   */
  public TaskExamples read(String task, String split) throws IOException {
    return read(task, split, false);
  }

  /**
   * Reads one split of a task, skipping and counting malformed lines if {@code skipMalformed}
   * ({@link TaskExamples#skippedLines()}, with the first reasons).
   *
   * @throws TaskFileException if the split is missing, or a line is malformed and not skipped
   * @throws IOException if the file cannot be read
   */
  public TaskExamples read(String task, String split, boolean skipMalformed) throws IOException {
    TaskDescriptor descriptor = task(task);
    Path file = file(split);
    if (!Files.exists(file)) {
      throw new TaskFileException(
          file,
          0,
          "no split "
              + DataChecks.quoted(split)
              + " in task set "
              + DataChecks.quoted(name())
              + "; its splits are "
              + splits());
    }
    return descriptor.reader().optSkipMalformed(skipMalformed).build().read(file);
  }
}
