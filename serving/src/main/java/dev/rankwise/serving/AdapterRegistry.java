package dev.rankwise.serving;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter folders being served, by name, and which folder serves each task. A task name is
 * unique across folders, so a request names a task alone; a folder whose tasks clash with another
 * folder's is refused, naming both. Loading, replacing and unloading happen while serving: the swap
 * is atomic, and a replaced or unloaded folder closes only when the last request that holds it is
 * done ({@link ServedAdapter}).
 */
public final class AdapterRegistry implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AdapterRegistry.class);

  private final AdapterLoader loader;
  private final Object loading = new Object();
  private final Map<String, ServedAdapter> byName = new LinkedHashMap<>();
  private final Map<String, ServedAdapter> byTask = new TreeMap<>();
  private boolean closed;

  /** An empty registry that loads folders with {@code loader}. */
  public AdapterRegistry(AdapterLoader loader) {
    this.loader = loader;
  }

  /** Whether a load replaced a folder or added one. */
  public enum Loaded { ADDED, REPLACED }

  /**
   * Loads a folder under a name, replacing the folder of that name if there is one. The registry
   * keeps serving its other folders (and the old one of that name) while the folder loads.
   *
   * @throws IOException if the folder cannot be read
   * @throws IllegalArgumentException if the name is not a plain name, the folder does not fit its
   *     base, or a task clashes with another folder's (the message names both folders)
   */
  public Loaded load(String name, Path folder) throws IOException {
    requireName(name);
    synchronized (loading) {
      ServedAdapter adapter = loader.load(name, folder);
      ServedAdapter old;
      try {
        synchronized (this) {
          if (closed) {
            throw new IllegalStateException("the registry is closed");
          }
          for (String task : adapter.tasks()) {
            ServedAdapter other = byTask.get(task);
            if (other != null && !other.name().equals(name)) {
              throw new IllegalArgumentException("task '" + task + "' of " + folder + " is already served by"
                  + " adapters '" + other.name() + "' (" + other.folder() + "); task names must be unique across"
                  + " the served folders");
            }
          }
          old = byName.put(name, adapter);
          if (old != null) {
            old.tasks().forEach(byTask::remove);
          }
          adapter.tasks().forEach(task -> byTask.put(task, adapter));
        }
      } catch (RuntimeException e) {
        adapter.retire();
        throw e;
      }
      if (old != null) {
        old.retire();
      }
      LOG.info("{} adapters '{}' from {}: tasks {}", old != null ? "replaced" : "loaded", name, folder,
          adapter.tasks());
      return old != null ? Loaded.REPLACED : Loaded.ADDED;
    }
  }

  /**
   * Stops serving a folder; requests that hold it finish first.
   *
   * @return false if no folder has that name
   */
  public boolean unload(String name) {
    ServedAdapter old;
    synchronized (this) {
      old = byName.remove(name);
      if (old == null) {
        return false;
      }
      old.tasks().forEach(byTask::remove);
    }
    old.retire();
    LOG.info("unloaded adapters '{}' ({})", name, old.folder());
    return true;
  }

  /**
   * The folder that serves a task, with a reference taken: the caller must {@link
   * ServedAdapter#release} it. Empty if no folder serves the task.
   */
  synchronized Optional<ServedAdapter> acquire(String task) {
    ServedAdapter adapter = byTask.get(task);
    if (adapter == null || !adapter.acquire()) {
      return Optional.empty();
    }
    return Optional.of(adapter);
  }

  /** The tasks served, sorted. */
  public synchronized List<String> tasks() {
    return new ArrayList<>(byTask.keySet());
  }

  /** The folders served, in the order they were first loaded. */
  public synchronized List<ServedAdapter> adapters() {
    return new ArrayList<>(byName.values());
  }

  /** The folder served under a name. */
  public synchronized Optional<ServedAdapter> adapter(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The names folders are served under. */
  public synchronized List<String> names() {
    return new ArrayList<>(byName.keySet());
  }

  /** Retires every folder: each closes once the requests that hold it are done. */
  @Override
  public void close() {
    List<ServedAdapter> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(byName.values());
      byName.clear();
      byTask.clear();
    }
    all.forEach(ServedAdapter::retire);
  }

  /** A name a URL path carries as it is: letters, digits, '.', '_' and '-'. */
  static void requireName(String name) {
    if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw new IllegalArgumentException("an adapter name must be 1 to 64 letters, digits, '.', '_' or '-',"
          + " starting with a letter or digit; got '" + name + "'");
    }
  }
}
