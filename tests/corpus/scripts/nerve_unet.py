# source: https://github.com/jocicmarko/ultrasound-nerve-segmentation/blob/61761bf4fa09a64d5c6fda0931d5eadce128c9b1/train.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import numpy as np
from keras.models import Model
from keras.layers import Input, concatenate, Conv2D, MaxPooling2D, UpSampling2D
from keras.optimizers import Adam
from keras.callbacks import ModelCheckpoint
from keras import backend as K

K.set_image_data_format('channels_last')

img_rows = 32  # kerasmagic-corpus: cut (96)
img_cols = 32  # kerasmagic-corpus: cut (96)
smooth = 1.


def dice_coef(y_true, y_pred):
    y_true_f = K.flatten(y_true)
    y_pred_f = K.flatten(y_pred)
    intersection = K.sum(y_true_f * y_pred_f)
    return (2. * intersection + smooth) / (K.sum(y_true_f) + K.sum(y_pred_f) + smooth)


def dice_coef_loss(y_true, y_pred):
    return -dice_coef(y_true, y_pred)


def get_unet():
    inputs = Input((img_rows, img_cols, 1))
    conv1 = Conv2D(8, (3, 3), activation='relu', padding='same')(inputs)
    pool1 = MaxPooling2D(pool_size=(2, 2))(conv1)
    conv2 = Conv2D(16, (3, 3), activation='relu', padding='same')(pool1)
    pool2 = MaxPooling2D(pool_size=(2, 2))(conv2)
    conv3 = Conv2D(32, (3, 3), activation='relu', padding='same')(pool2)
    up4 = concatenate([UpSampling2D(size=(2, 2))(conv3), conv2], axis=3)
    conv4 = Conv2D(16, (3, 3), activation='relu', padding='same')(up4)
    up5 = concatenate([UpSampling2D(size=(2, 2))(conv4), conv1], axis=3)
    conv5 = Conv2D(8, (3, 3), activation='relu', padding='same')(up5)
    conv6 = Conv2D(1, (1, 1), activation='sigmoid')(conv5)
    # kerasmagic-corpus: depth and filters cut (the original has 5 levels, 32-512 filters)
    model = Model(inputs=[inputs], outputs=[conv6])
    model.compile(optimizer=Adam(lr=1e-5), loss=dice_coef_loss, metrics=[dice_coef])
    return model


def train_and_predict():
    # kerasmagic-corpus: synthetic data (arrays of the resized shapes instead of load_train_data())
    imgs_train = np.random.randint(0, 256, (32, img_rows, img_cols, 1)).astype(np.uint8)
    imgs_mask_train = (np.random.rand(32, img_rows, img_cols, 1) > 0.7).astype(np.uint8) * 255
    imgs_train = imgs_train.astype('float32')
    mean = np.mean(imgs_train)
    std = np.std(imgs_train)
    imgs_train -= mean
    imgs_train /= std
    imgs_mask_train = imgs_mask_train.astype('float32')
    imgs_mask_train /= 255.

    model = get_unet()
    model_checkpoint = ModelCheckpoint('weights.h5', monitor='val_loss', save_best_only=True)
    model.fit(imgs_train, imgs_mask_train, batch_size=32, epochs=2, verbose=1, shuffle=True,  # kerasmagic-corpus: the original's nb_epoch=20 (Keras 1 name) is rejected by Keras 2.15's fit
              validation_split=0.2,
              callbacks=[model_checkpoint])

    # kerasmagic-corpus: synthetic data (instead of load_test_data())
    imgs_test = np.random.randint(0, 256, (8, img_rows, img_cols, 1)).astype('float32')
    imgs_test -= mean
    imgs_test /= std
    model.load_weights('weights.h5')
    imgs_mask_test = model.predict(imgs_test, verbose=1)
    np.save('imgs_mask_test.npy', imgs_mask_test)
    # kerasmagic-corpus: writing the predicted masks as PNG files (skimage) removed
    print('masks', imgs_mask_test.shape)


if __name__ == '__main__':
    train_and_predict()
