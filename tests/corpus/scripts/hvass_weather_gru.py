# source: https://github.com/Hvass-Labs/TensorFlow-Tutorials/blob/1e901d01cb0739de29b9aea33a6b30a1b26e2414/23_Time-Series-Prediction.ipynb
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import tensorflow as tf
import numpy as np
import os

from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Input, Dense, GRU, Embedding
from tensorflow.keras.optimizers import RMSprop
from tensorflow.keras.callbacks import EarlyStopping, ModelCheckpoint, TensorBoard, ReduceLROnPlateau
from tensorflow.keras.backend import square, mean

print(tf.__version__)
print(tf.__version__)  # kerasmagic-corpus: the published print(tf.keras.__version__) fails where tf.keras is Keras 2.13-2.15 or tf_keras (tests/cases/tf-keras-version.toml)

# kerasmagic-corpus: synthetic data: the tutorial downloads and resamples Danish weather data
# (weather.maybe_download_and_extract(), weather.load_resampled_data(), a pandas DataFrame of 5 cities
# x 4 signals plus Day/Hour); here hourly sine-like signals of the same width (20 input signals)
rng = np.random.default_rng(23)
hours = np.arange(1200)
day = (hours // 24) % 365 + 1
hour = hours % 24
signals = [np.sin(2 * np.pi * (hours / 24.0) + k) * (5 + k) + rng.normal(0, 0.5, hours.shape) for k in range(18)]
data = np.stack(signals + [day, hour], axis=1).astype(np.float64)

target_names = ['Temp', 'WindSpeed', 'Pressure']
target_columns = [0, 1, 2]  # kerasmagic-corpus: df[target_city][target_names] as column numbers

shift_days = 1
shift_steps = shift_days * 24  # Number of hours.

# kerasmagic-corpus: df[target_city][target_names].shift(-shift_steps), without pandas
targets = np.full((len(data), len(target_names)), np.nan)
targets[:-shift_steps] = data[shift_steps:, target_columns]

x_data = data[0:-shift_steps]
print(type(x_data))
print("Shape:", x_data.shape)

y_data = targets[:-shift_steps]
print(type(y_data))
print("Shape:", y_data.shape)

num_data = len(x_data)
train_split = 0.9
num_train = int(train_split * num_data)
num_test = num_data - num_train

x_train = x_data[0:num_train]
x_test = x_data[num_train:]
y_train = y_data[0:num_train]
y_test = y_data[num_train:]

num_x_signals = x_data.shape[1]
num_y_signals = y_data.shape[1]

print("Min:", np.min(x_train))
print("Max:", np.max(x_train))


class MinMaxScaler:
    # kerasmagic-corpus: a numpy stand-in for sklearn.preprocessing.MinMaxScaler (scikit-learn is not
    # installed in the test environments)
    def fit_transform(self, x):
        self.min_, self.max_ = x.min(axis=0), x.max(axis=0)
        return self.transform(x)

    def transform(self, x):
        return (x - self.min_) / np.where(self.max_ > self.min_, self.max_ - self.min_, 1.0)

    def inverse_transform(self, x):
        return x * np.where(self.max_ > self.min_, self.max_ - self.min_, 1.0) + self.min_


x_scaler = MinMaxScaler()
x_train_scaled = x_scaler.fit_transform(x_train)
print("Min:", np.min(x_train_scaled))
print("Max:", np.max(x_train_scaled))
x_test_scaled = x_scaler.transform(x_test)

y_scaler = MinMaxScaler()
y_train_scaled = y_scaler.fit_transform(y_train)
y_test_scaled = y_scaler.transform(y_test)

print(x_train_scaled.shape)
print(y_train_scaled.shape)


def batch_generator(batch_size, sequence_length):
    """
    Generator function for creating random batches of training-data.
    """

    # Infinite loop.
    while True:
        # Allocate a new array for the batch of input-signals.
        x_shape = (batch_size, sequence_length, num_x_signals)
        x_batch = np.zeros(shape=x_shape, dtype=np.float16)

        # Allocate a new array for the batch of output-signals.
        y_shape = (batch_size, sequence_length, num_y_signals)
        y_batch = np.zeros(shape=y_shape, dtype=np.float16)

        # Fill the batch with random sequences of data.
        for i in range(batch_size):
            # Get a random start-index.
            # This points somewhere into the training-data.
            idx = np.random.randint(num_train - sequence_length)

            # Copy the sequences of data starting at this index.
            x_batch[i] = x_train_scaled[idx:idx+sequence_length]
            y_batch[i] = y_train_scaled[idx:idx+sequence_length]

        yield (x_batch, y_batch)


batch_size = 16  # kerasmagic-corpus: cut (256)
sequence_length = 24 * 4  # kerasmagic-corpus: cut (24 * 7 * 8)

generator = batch_generator(batch_size=batch_size,
                            sequence_length=sequence_length)

x_batch, y_batch = next(generator)
print(x_batch.shape)
print(y_batch.shape)

validation_data = (np.expand_dims(x_test_scaled, axis=0),
                   np.expand_dims(y_test_scaled, axis=0))

model = Sequential()
model.add(GRU(units=32,  # kerasmagic-corpus: cut (512)
              return_sequences=True,
              input_shape=(None, num_x_signals,)))
model.add(Dense(num_y_signals, activation='sigmoid'))

warmup_steps = 50


def loss_mse_warmup(y_true, y_pred):
    """
    Calculate the Mean Squared Error between y_true and y_pred,
    but ignore the beginning "warmup" part of the sequences.

    y_true is the desired output.
    y_pred is the model's output.
    """

    # The shape of both input tensors are:
    # [batch_size, sequence_length, num_y_signals].

    # Ignore the "warmup" parts of the sequences
    # by taking slices of the tensors.
    y_true_slice = y_true[:, warmup_steps:, :]
    y_pred_slice = y_pred[:, warmup_steps:, :]

    # These sliced tensors both have this shape:
    # [batch_size, sequence_length - warmup_steps, num_y_signals]

    # Calculat the Mean Squared Error and use it as loss.
    mse = mean(square(y_true_slice - y_pred_slice))

    return mse


optimizer = RMSprop(lr=1e-3)
model.compile(loss=loss_mse_warmup, optimizer=optimizer)
model.summary()

path_checkpoint = '23_checkpoint.keras'
callback_checkpoint = ModelCheckpoint(filepath=path_checkpoint,
                                      monitor='val_loss',
                                      verbose=1,
                                      save_weights_only=True,
                                      save_best_only=True)

callback_early_stopping = EarlyStopping(monitor='val_loss',
                                        patience=5, verbose=1)

callback_tensorboard = TensorBoard(log_dir='./23_logs/',
                                   histogram_freq=0,
                                   write_graph=False)

callback_reduce_lr = ReduceLROnPlateau(monitor='val_loss',
                                       factor=0.1,
                                       min_lr=1e-4,
                                       patience=0,
                                       verbose=1)

callbacks = [callback_early_stopping,
             callback_checkpoint,
             callback_tensorboard,
             callback_reduce_lr]

model.fit(x=generator,
          epochs=2,  # kerasmagic-corpus: cut (20)
          steps_per_epoch=5,  # kerasmagic-corpus: cut (100)
          validation_data=validation_data,
          callbacks=callbacks)

try:
    model.load_weights(path_checkpoint)
except Exception as error:
    print("Error trying to load checkpoint.")
    print(error)

result = model.evaluate(x=np.expand_dims(x_test_scaled, axis=0),
                        y=np.expand_dims(y_test_scaled, axis=0))
print("loss (test-set):", result)


def plot_comparison(start_idx, length=100, train=True):
    """
    Plot the predicted and true output-signals.

    :param start_idx: Start-index for the time-series.
    :param length: Sequence-length to process and plot.
    :param train: Boolean whether to use training- or test-set.
    """

    if train:
        # Use training-data.
        x = x_train_scaled
        y_true = y_train
    else:
        # Use test-data.
        x = x_test_scaled
        y_true = y_test

    # End-index for the sequences.
    end_idx = start_idx + length

    # Select the sequences from the given start-index and
    # of the given length.
    x = x[start_idx:end_idx]
    y_true = y_true[start_idx:end_idx]

    # Input-signals for the model.
    x = np.expand_dims(x, axis=0)

    # Use the model to predict the output-signals.
    y_pred = model.predict(x)

    # The output of the model is between 0 and 1.
    # Do an inverse map to get it back to the scale
    # of the original data-set.
    y_pred_rescaled = y_scaler.inverse_transform(y_pred[0])

    # For each output-signal.
    for signal in range(len(target_names)):
        # Get the output-signal predicted by the model.
        signal_pred = y_pred_rescaled[:, signal]

        # Get the true output-signal from the data-set.
        signal_true = y_true[:, signal]

        # kerasmagic-corpus: the matplotlib figure is replaced by a printed error
        print(target_names[signal], 'mean abs error', float(np.mean(np.abs(signal_true - signal_pred))))


plot_comparison(start_idx=100, length=200, train=True)  # kerasmagic-corpus: cut (start_idx=100000, length=1000)
plot_comparison(start_idx=20, length=60, train=False)  # kerasmagic-corpus: cut (start_idx=200, length=1000)
