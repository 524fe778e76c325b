package dev.rankwise.serving;

import dev.rankwise.runtime.infer.Prediction;
import dev.rankwise.runtime.infer.TaskText;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One adapter folder loaded for serving: its classifier, its tasks and their labels, counted
 * references. Every queued request holds a reference until its rows are labelled or dropped; an
 * unloaded or replaced folder is {@link #retire retired} and closed when the last reference goes,
 * so no request that was accepted loses its classifier.
 */
public final class ServedAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(ServedAdapter.class);

  /** One forward pass over rows of this folder's tasks, in row order. */
  @FunctionalInterface
  public interface ForwardPass {
    /** Labels the rows in one pass. */
    List<Prediction> predict(List<TaskText> rows);
  }

  private final String name;
  private final Path folder;
  private final String base;
  private final Map<String, List<String>> labels;
  private final int maxLength;
  private final ForwardPass forward;
  private final AutoCloseable resources;
  private int references;
  private boolean retired;
  private boolean closed;

  /**
   * A folder's serving state.
   *
   * @param labels each task's labels, in the classifier's task order
   * @param maxLength the tokens every row of a pass is padded to
   * @param resources closed once the folder is retired and no request holds it
   */
  public ServedAdapter(String name, Path folder, String base, Map<String, List<String>> labels, int maxLength,
      ForwardPass forward, AutoCloseable resources) {
    this.name = name;
    this.folder = folder;
    this.base = base;
    this.labels = new LinkedHashMap<>(labels);
    this.maxLength = maxLength;
    this.forward = forward;
    this.resources = resources;
  }

  /** The name it is served under. */
  public String name() {
    return name;
  }

  /** The adapter folder. */
  public Path folder() {
    return folder;
  }

  /** The base encoder's name. */
  public String base() {
    return base;
  }

  /** Its tasks, in the classifier's order. */
  public List<String> tasks() {
    return List.copyOf(labels.keySet());
  }

  /** A task's labels. */
  public List<String> labels(String task) {
    return labels.get(task);
  }

  /** Tokens per row of a pass. */
  public int maxLength() {
    return maxLength;
  }

  /** One forward pass over rows of its tasks. */
  List<Prediction> predict(List<TaskText> rows) {
    return forward.predict(rows);
  }

  /** Takes a reference; false once retired, when the caller must look the task up again. */
  synchronized boolean acquire() {
    if (retired) {
      return false;
    }
    references++;
    return true;
  }

  /** Takes another reference while holding one, retired or not. */
  synchronized void retain() {
    if (references <= 0) {
      throw new IllegalStateException("adapter " + name + " retained without a reference held");
    }
    references++;
  }

  /** Drops a reference; the last one of a retired folder closes it. */
  void release() {
    boolean close;
    synchronized (this) {
      if (references <= 0) {
        throw new IllegalStateException("adapter " + name + " released more often than acquired");
      }
      references--;
      close = retired && references == 0 && !closed;
      closed |= close;
    }
    if (close) {
      closeResources();
    }
  }

  /** Takes no new references; closes now if none is held, else when the last is released. */
  void retire() {
    boolean close;
    synchronized (this) {
      retired = true;
      close = references == 0 && !closed;
      closed |= close;
    }
    if (close) {
      closeResources();
    }
  }

  /** Whether its classifier has been closed. */
  synchronized boolean isClosed() {
    return closed;
  }

  private void closeResources() {
    try {
      resources.close();
      LOG.info("closed adapters {} ({})", name, folder);
    } catch (Exception e) {
      LOG.warn("closing adapters {} ({}) failed", name, folder, e);
    }
  }
}
