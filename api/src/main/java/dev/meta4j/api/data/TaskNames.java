package dev.meta4j.api.data;

/** The rule every task name follows, so that it can stand in metric keys and file names. */
final class TaskNames {

    private TaskNames() {}

    static void check(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a task needs a name");
        }
        if (name.contains("/") || !name.strip().equals(name)) {
            throw new IllegalArgumentException("task name '" + name + "' must not contain '/' or surrounding spaces:"
                    + " it becomes part of metric keys such as '" + name.strip() + "/accuracy'");
        }
    }
}
