# source: https://github.com/PacktPublishing/Advanced-Deep-Learning-with-Keras/blob/2a968d7b6df790d003dad4048d3090ee89b98a3d/chapter1-keras-quick-tour/rnn-mnist-1.5.1.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import numpy as np
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Activation, SimpleRNN
from tensorflow.keras.utils import to_categorical

# kerasmagic-corpus: synthetic data (MNIST-shaped arrays instead of mnist.load_data())
rng = np.random.default_rng(6)
x_train = rng.integers(0, 256, (256, 28, 28), dtype=np.uint8)
y_train = np.arange(256) % 10
x_test = rng.integers(0, 256, (64, 28, 28), dtype=np.uint8)
y_test = np.arange(64) % 10

num_labels = len(np.unique(y_train))
y_train = to_categorical(y_train)
y_test = to_categorical(y_test)
image_size = x_train.shape[1]
x_train = np.reshape(x_train, [-1, image_size, image_size]).astype('float32') / 255
x_test = np.reshape(x_test, [-1, image_size, image_size]).astype('float32') / 255

input_shape = (image_size, image_size)
batch_size = 128
units = 32  # kerasmagic-corpus: cut (256)
dropout = 0.2

model = Sequential()
model.add(SimpleRNN(units=units,
                    dropout=dropout,
                    input_shape=input_shape))
model.add(Dense(num_labels))
model.add(Activation('softmax'))
model.summary()
model.compile(loss='categorical_crossentropy',
              optimizer='sgd',
              metrics=['accuracy'])
model.fit(x_train, y_train, epochs=1, batch_size=batch_size)  # kerasmagic-corpus: cut (20 epochs)
_, acc = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
print("\nTest accuracy: %.1f%%" % (100.0 * acc))
