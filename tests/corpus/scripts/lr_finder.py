# source: https://github.com/titu1994/keras-one-cycle/blob/0f8b873eebe9cc7a989693ae972ee68f8a1b78d5/clr.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written) of the LRFinder callback;
# the rest (a short run of it) is written here
import os
import warnings
import numpy as np
from keras.callbacks import Callback
from keras import backend as K
from keras.models import Sequential
from keras.layers import Dense


class LRFinder(Callback):
    def __init__(self, num_samples, batch_size, minimum_lr=1e-5, maximum_lr=10.,
                 validation_data=None, validation_sample_rate=5, save_dir=None):
        super(LRFinder, self).__init__()
        self.validation_data = validation_data
        self.use_validation_set = validation_data is not None
        self.validation_sample_rate = validation_sample_rate
        self.num_samples = num_samples
        self.batch_size = batch_size
        self.initial_lr = minimum_lr
        self.save_dir = save_dir
        self.num_batches_ = num_samples // batch_size
        self.lr_multiplier_ = (maximum_lr / float(minimum_lr)) ** (1. / float(self.num_batches_))
        self.current_batch_ = 0
        self.current_epoch_ = 0
        self.best_loss_ = 1e6
        self.history = {}

    def on_train_begin(self, logs=None):
        self.current_epoch_ = 1
        K.set_value(self.model.optimizer.lr, self.initial_lr)
        warnings.simplefilter("ignore")

    def on_epoch_begin(self, epoch, logs=None):
        self.current_batch_ = 0

    def on_batch_begin(self, batch, logs=None):
        self.current_batch_ += 1

    def on_batch_end(self, batch, logs=None):
        if self.current_epoch_ > 1:
            return
        if self.use_validation_set:
            X, Y = self.validation_data[0], self.validation_data[1]
            num_samples = min(self.batch_size * self.validation_sample_rate, X.shape[0])
            idx = np.random.choice(X.shape[0], num_samples, replace=False)
            values = self.model.evaluate(X[idx], Y[idx], batch_size=self.batch_size, verbose=False)
            loss = values[0]
        else:
            loss = logs['loss']
        if loss < self.best_loss_ or self.current_batch_ == 1:
            self.best_loss_ = loss
        current_lr = K.get_value(self.model.optimizer.lr)
        self.history.setdefault('running_loss_', []).append(loss)
        self.history.setdefault('log_lrs', []).append(np.log10(current_lr))
        current_lr *= self.lr_multiplier_
        K.set_value(self.model.optimizer.lr, current_lr)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_dir is not None and self.current_epoch_ <= 1:
            if not os.path.exists(self.save_dir):
                os.makedirs(self.save_dir)
            np.save(os.path.join(self.save_dir, 'losses.npy'), np.array(self.history['running_loss_']))
            np.save(os.path.join(self.save_dir, 'lrs.npy'), np.array(self.history['log_lrs']))
        self.current_epoch_ += 1
        warnings.simplefilter("default")


# kerasmagic-corpus: synthetic data (CIFAR-10 features in the repository's find_lr_schedule.py)
X_train = np.random.rand(256, 32).astype('float32')
Y_train = np.eye(10)[np.random.randint(0, 10, 256)]
X_test = np.random.rand(64, 32).astype('float32')
Y_test = np.eye(10)[np.random.randint(0, 10, 64)]

model = Sequential([Dense(32, activation='relu', input_shape=(32,)), Dense(10, activation='softmax')])
model.compile(loss='categorical_crossentropy', optimizer='sgd', metrics=['accuracy'])
lr_callback = LRFinder(len(X_train), 32, minimum_lr=1e-3, maximum_lr=1.,
                       validation_data=(X_test, Y_test), save_dir='weights/')
model.fit(X_train, Y_train, epochs=1, batch_size=32, callbacks=[lr_callback])
print('lrs', np.load('weights/lrs.npy')[:3])
