# Keras 2's ModelCheckpoint(period=N) (kerasmagic wrote it in): Keras 3's ModelCheckpoint has no
# `period`, and an integer `save_freq` counts batches. Keras 2 saved (with save_best_only:
# compared, then saved) once every `period` epochs this callback saw, and so does this checkpoint.


def _keras2_period(checkpoint, period):
    checkpoint.period, checkpoint.epochs_since_last_save = period, 0
    save_at_epoch_end = checkpoint.on_epoch_end

    def on_epoch_end(epoch, logs=None):
        checkpoint.epochs_since_last_save += 1
        if checkpoint.epochs_since_last_save >= checkpoint.period:
            checkpoint.epochs_since_last_save = 0
            save_at_epoch_end(epoch, logs)

    checkpoint.on_epoch_end = on_epoch_end
    return checkpoint
