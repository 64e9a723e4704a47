# source: https://github.com/activewizardslab/time-series/blob/9b411e4757a49ffac302e40761b447ab005028c4/gists/gist_15.py
# license: none stated in the repository
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the gist's imports and
# data preparation (earlier gists of the same post) are written here
import numpy as np
from keras.models import Sequential
from keras.layers import LSTM, Dense
from keras.callbacks import EarlyStopping

# kerasmagic-corpus: synthetic data (windows of a noisy series instead of the post's CSV)
series = np.sin(np.arange(400) / 10.0) + 0.1 * np.random.rand(400)
look_back = 12
windows = np.array([series[i:i + look_back] for i in range(len(series) - look_back)])
targets = series[look_back:]
X = windows.reshape(-1, look_back, 1)
split = 300
X_train, X_test = X[:split], X[split:]
Y_train, Y_test = targets[:split], targets[split:]

model = Sequential()
model.add(LSTM(16, return_sequences=True, input_shape=(X_train.shape[1], X_train.shape[2])))  # kerasmagic-corpus: cut (256 units)
model.add(LSTM(16))  # kerasmagic-corpus: cut (256 units)
model.add(Dense(1))

model.compile(loss='mean_squared_error', optimizer='adam')
history = model.fit(X_train, Y_train, epochs=2, batch_size=16, shuffle=False,  # kerasmagic-corpus: cut (100 epochs)
                    validation_data=(X_test, Y_test),
                    callbacks = [EarlyStopping(monitor='val_loss', min_delta=5e-5, patience=20, verbose=1)])
print('val_loss', history.history['val_loss'])
