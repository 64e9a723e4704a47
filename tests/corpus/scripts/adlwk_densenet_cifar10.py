# source: https://github.com/PacktPublishing/Advanced-Deep-Learning-with-Keras/blob/3bc0851e0ae98f6bf5ce085cb96549afb2de98c8/chapter2-deep-networks/densenet-cifar10-2.4.1.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import os
import math
import numpy as np
from tensorflow.keras.layers import Dense, Conv2D, BatchNormalization
from tensorflow.keras.layers import AveragePooling2D
from tensorflow.keras.layers import Input, Flatten
from tensorflow.keras.layers import concatenate, Activation
from tensorflow.keras.optimizers import RMSprop
from tensorflow.keras.callbacks import ModelCheckpoint, ReduceLROnPlateau
from tensorflow.keras.callbacks import LearningRateScheduler
from tensorflow.keras.preprocessing.image import ImageDataGenerator
from tensorflow.keras.models import Model
from tensorflow.keras.utils import to_categorical

batch_size = 32
epochs = 1  # kerasmagic-corpus: cut (200)
num_classes = 10
num_dense_blocks = 3
growth_rate = 4  # kerasmagic-corpus: cut (12)
depth = 16  # kerasmagic-corpus: cut (100)
num_bottleneck_layers = (depth - 4) // (2 * num_dense_blocks)
num_filters_bef_dense_block = 2 * growth_rate
compression_factor = 0.5

# kerasmagic-corpus: synthetic data (CIFAR10-shaped arrays instead of cifar10.load_data())
rng = np.random.default_rng(5)
x_train = rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8).astype('float32') / 255
y_train = to_categorical(rng.integers(0, 10, (64, 1)), num_classes)
x_test = rng.integers(0, 256, (32, 32, 32, 3), dtype=np.uint8).astype('float32') / 255
y_test = to_categorical(rng.integers(0, 10, (32, 1)), num_classes)
input_shape = x_train.shape[1:]


def flow(x, y, batch_size):
    # kerasmagic-corpus: synthetic data: datagen.flow(...) augments through scipy, which the test
    # environments do not install; this yields the same batches without augmentation
    while True:
        idx = np.random.randint(0, len(x), batch_size)
        yield x[idx], y[idx]


def lr_schedule(epoch):
    lr = 1e-3
    if epoch > 80:
        lr *= 1e-1
    return lr


inputs = Input(shape=input_shape)
x = BatchNormalization()(inputs)
x = Activation('relu')(x)
x = Conv2D(num_filters_bef_dense_block, kernel_size=3, padding='same', kernel_initializer='he_normal')(x)
x = concatenate([inputs, x])
for i in range(num_dense_blocks):
    for j in range(num_bottleneck_layers):
        y = BatchNormalization()(x)
        y = Activation('relu')(y)
        y = Conv2D(4 * growth_rate, kernel_size=1, padding='same', kernel_initializer='he_normal')(y)
        y = BatchNormalization()(y)
        y = Activation('relu')(y)
        y = Conv2D(growth_rate, kernel_size=3, padding='same', kernel_initializer='he_normal')(y)
        x = concatenate([x, y])
    if i == num_dense_blocks - 1:
        continue
    num_filters_bef_dense_block += num_bottleneck_layers * growth_rate
    num_filters_bef_dense_block = int(num_filters_bef_dense_block * compression_factor)
    y = BatchNormalization()(x)
    y = Conv2D(num_filters_bef_dense_block, kernel_size=1, padding='same', kernel_initializer='he_normal')(y)
    x = AveragePooling2D()(y)

x = AveragePooling2D(pool_size=8)(x)
y = Flatten()(x)
outputs = Dense(num_classes, kernel_initializer='he_normal', activation='softmax')(y)
model = Model(inputs=inputs, outputs=outputs)
model.compile(loss='categorical_crossentropy',
              optimizer=RMSprop(1e-3),
              metrics=['acc'])
model.summary()

save_dir = os.path.join(os.getcwd(), 'saved_models')
model_name = 'cifar10_densenet_model.{epoch:02d}.h5'
if not os.path.isdir(save_dir):
    os.makedirs(save_dir)
filepath = os.path.join(save_dir, model_name)
checkpoint = ModelCheckpoint(filepath=filepath,
                             monitor='val_acc',
                             verbose=1,
                             save_best_only=True)
lr_scheduler = LearningRateScheduler(lr_schedule)
lr_reducer = ReduceLROnPlateau(factor=np.sqrt(0.1), cooldown=0, patience=5, min_lr=0.5e-6)
callbacks = [checkpoint, lr_reducer, lr_scheduler]

datagen = ImageDataGenerator(width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True)
datagen.fit(x_train)
steps_per_epoch = math.ceil(len(x_train) / batch_size)
model.fit(x=flow(x_train, y_train, batch_size=batch_size),  # kerasmagic-corpus: the author's datagen.flow(...)
          verbose=1,
          epochs=epochs,
          validation_data=(x_test, y_test),
          steps_per_epoch=steps_per_epoch,
          callbacks=callbacks)
scores = model.evaluate(x_test, y_test, verbose=0)
print('Test loss:', scores[0])
print('Test accuracy:', scores[1])
